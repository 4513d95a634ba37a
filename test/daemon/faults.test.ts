// Upstream faults injected on the emulator, and a daemon killed mid-request: each is either
// retried within bounds or ends in one line that names the fix. Nothing hangs.
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { waitFor } from '../helpers/waitFor.js';

const SESSION = 'd-9067c0ffee';
const ACCOUNTS: Record<string, string> = {
  Development: '210987654321',
  QA: '321098765432',
  Production: '432109876543',
  Security: '543210987654',
  Workshops: '654321098765',
};

describe('faults', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator);
    for (const [name, id] of Object.entries(ACCOUNTS)) appendFileSync(home.configFile, `\n${profileSection(`${name}/ReadOnlyAccess`, SESSION, id, 'ReadOnlyAccess')}`);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  const credentialProcess = (profile: string, env = home.env) => runKeyfob(['credential-process', '--profile', profile], env, 45_000);

  it('survives a 429 storm with backoff', async () => {
    await adminCall(emulator, 'reset-stats');
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 429, count: 4 });
    const r = await credentialProcess('Development/ReadOnlyAccess');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).AccountId).toBe(ACCOUNTS.Development);
    // Four refusals, then the call that succeeded.
    expect((await adminCall(emulator, 'stats')).body.calls.GetRoleCredentials).toBe(5);
  });

  it('retries 5xx bursts', async () => {
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 503, count: 3 });
    const r = await credentialProcess('QA/ReadOnlyAccess');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).AccountId).toBe(ACCOUNTS.QA);
  });

  it('gives up on a throttling that never ends with one line, within bounds', async () => {
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 429, count: 1000 });
    const started = Date.now();
    const r = await credentialProcess('Production/ReadOnlyAccess');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('keyfob: IAM Identity Center kept throttling getting credentials for ReadOnlyAccess in 432109876543 (429); wait a minute and try again\n');
    expect(Date.now() - started).toBeLessThan(40_000);
    await adminCall(emulator, 'faults/clear', {});
  }, 60_000);

  it('names the endpoint settings when IAM Identity Center cannot be reached', async () => {
    // A fresh daemon whose SSO endpoint is a closed port.
    const offline = keyfobHome(emulator, { AWS_ENDPOINT_URL_SSO: 'http://127.0.0.1:9' });
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], offline.env)).code).toBe(0);
    appendFileSync(offline.configFile, `\n${profileSection('Security/ReadOnlyAccess', SESSION, ACCOUNTS.Security, 'ReadOnlyAccess')}`);
    const r = await credentialProcess('Security/ReadOnlyAccess', offline.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keyfob: cannot reach IAM Identity Center for getting credentials for ReadOnlyAccess in 543210987654 \(ECONNREFUSED\); check your network, or AWS_ENDPOINT_URL_SSO/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    await offline.cleanup();
  });

  it('recovers when the daemon is killed mid-request', async () => {
    const upstream = async () => (await adminCall(emulator, 'stats')).body.calls.GetRoleCredentials ?? 0;
    const before = await upstream();
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', latencyMs: 3000, count: 1 });
    const pending = credentialProcess('Workshops/ReadOnlyAccess');
    // Mid-request: the daemon's GetRoleCredentials call has reached the emulator, which holds it for 3 s.
    await waitFor(async () => (await upstream()) > before, { timeoutMs: 2_500, what: 'the daemon to call GetRoleCredentials' });
    const pid = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    process.kill(pid, 'SIGKILL');
    const r = await pending;
    // The client restarted the daemon and retried once; with KEYFOB_KEYRING=memory the new one
    // has no sign-in, so the answer is the clear error rather than a hang or a stack trace.
    expect(r.stderr).toBe(`keyfob: not signed in to sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}\n`);
    const after = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    expect(after).not.toBe(pid);
  });
});
