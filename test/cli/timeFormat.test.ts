// Every time printed for a person has one format, local time with its zone and what remains
// (`until 14:05 CET (3h 12m)`): login, assume's note (rendered by the daemon for the shims, by the
// backend otherwise), status and list. --json gives ISO 8601.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_COMMAND, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

let emulator: RunningEmulator;
let home: KeyfobHome;
const PROFILE = 'QA/ReadOnlyAccess';
// The daemon inherits the zone of the client that starts it: the user's.
const UNTIL = String.raw`until (\d{4}-\d\d-\d\d )?\d\d:\d\d CES?T \((\d+h )?\d+m\)`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

beforeAll(async () => {
  emulator = await startTestEmulator({ autoApprove: true });
  home = await signedInHome(emulator, { populate: [], extra: { TZ: 'Europe/Berlin' } });
}, 120_000);
afterAll(async () => {
  await home?.cleanup();
  await emulator?.close();
});

describe('one time format', () => {
  it('login', async () => {
    const r = await runKeyfob(['login', '--sso-session', 'd-9067c0ffee'], home.env);
    expect(r.stdout).toMatch(new RegExp(`^Signed in to d-9067c0ffee ${UNTIL}\n$`));
  });

  it("assume's note, from the daemon (the shim's fast path) and from the Node backend", async () => {
    const script = `eval "$("$KEYFOB" shell-init bash)"; assume ${PROFILE}; KEYFOB_FAST_PATH=off assume ${PROFILE}`;
    const r = await runCommand('bash', ['--norc', '-c', script], { ...home.env, KEYFOB: KEYFOB_COMMAND });
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`^keyfob: assumed QA/ReadOnlyAccess \\(321098765432, ReadOnlyAccess[^)]*\\) ${UNTIL}$`));
  });

  it('status and list; --json in ISO 8601', async () => {
    await runKeyfob(['credential-process', '--profile', PROFILE], home.env);
    const status = await runKeyfob(['status'], home.env);
    expect(status.stdout).toMatch(new RegExp(`signed in ${UNTIL}, refreshes automatically`));
    expect(status.stdout).toMatch(new RegExp(`321098765432/ReadOnlyAccess  \\(d-9067c0ffee\\)  ${UNTIL}\n`));
    const list = await runKeyfob(['list'], home.env);
    expect(list.stdout).toMatch(new RegExp(`QA/ReadOnlyAccess +sso +\\S+  cached ${UNTIL}\n`));
    const statusJson = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(statusJson.sessions[0].expiresAt).toMatch(ISO);
    expect(statusJson.credentials[0].expiration).toMatch(ISO);
    const listJson = JSON.parse((await runKeyfob(['list', '--json'], home.env)).stdout);
    expect(listJson.profiles.find((p: { name: string }) => p.name === PROFILE).expiration).toMatch(ISO);
  });
});
