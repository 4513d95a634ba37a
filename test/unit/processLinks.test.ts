// Another tool's credential_process in the daemon: never a program, only output a client sent.
// A cold link answers NeedsProcess naming its profile; output for it (the same profile and line)
// fills it once; a warm chain asks for nothing; output is asked again only when that link needs
// refreshing; output a client sends for a fresh link, or for another line, changes nothing. And
// the AssumeRole link of an SSO-sourced role is keyed by its MFA device, so a profile that adds
// mfa_serial never gets the session of one without it.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigCache } from '../../src/daemon/server/configCache.js';
import { CredentialService } from '../../src/daemon/server/credentialService.js';
import type { KeyfobError } from '../../src/core/errors.js';
import type { RoleCredentials } from '../../src/credentials/types.js';
import { SessionManager } from '../../src/signin/sessions.js';
import { memoryStore } from '../../src/store/index.js';
import { FakeIdentityCenter, quietLog, session } from './fakeIdentityCenter.js';
import { FakeSts, GOOD_CODE } from './fakeSts.js';

const corp = session();
const DEPLOY = 'arn:aws:iam::210987654321:role/Deploy';
const SERIAL = 'arn:aws:iam::543210987654:mfa/alice';
const LINE = '/opt/other-tool/bin/creds --account dev';
const TOOL_KEYS = { accessKeyId: 'AKIATOOLKEYS00000001', secretAccessKey: 'toolSecretAccessKey000000000000000000001' };

const CONFIG = `
[sso-session corp]
sso_start_url = ${corp.startUrl}
sso_region = ${corp.region}
sso_registration_scopes = sso:account:access

[profile sec-admin]
keyfob_sso_session = corp
keyfob_account_id = 543210987654
keyfob_role_name = AdministratorAccess

[profile deploy]
role_arn = ${DEPLOY}
source_profile = sec-admin
role_session_name = alice

[profile deploy-mfa]
role_arn = ${DEPLOY}
source_profile = sec-admin
role_session_name = alice
mfa_serial = ${SERIAL}

[profile tool]
credential_process = ${LINE}

[profile tool-deploy]
role_arn = ${DEPLOY}
source_profile = tool
`;

let dir: string;
let fake: FakeIdentityCenter;
let sts: FakeSts;
let sessions: SessionManager;
let service: CredentialService;
let file: ConfigCache;

beforeEach(async () => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  dir = mkdtempSync(join(tmpdir(), 'keyfob-process-links-'));
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, 'config'), CONFIG, { mode: 0o600 });
  writeFileSync(join(dir, 'credentials'), '', { mode: 0o600 });
  file = new ConfigCache(join(dir, 'config'), join(dir, 'credentials'));
  fake = new FakeIdentityCenter();
  sts = new FakeSts();
  sts.users.set(TOOL_KEYS.accessKeyId, TOOL_KEYS.secretAccessKey);
  sessions = new SessionManager(memoryStore(), quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
  service = new CredentialService(sessions, quietLog, fake, { sts });
  await sessions.login(corp, 'device', () => undefined);
});
afterEach(() => {
  service.close();
  sessions.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<KeyfobError & { processProfile?: string }> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as KeyfobError;
  expect(err, 'expected a refusal').toBeDefined();
  return err;
}

/** What the tool printed, for `lifetimeMs` from now. */
const output = (lifetimeMs: number, keys = TOOL_KEYS): RoleCredentials => ({ ...keys, expiration: Date.now() + lifetimeMs, accountId: '' });
const supplied = (credentials: RoleCredentials, command = LINE, profile = 'tool') => ({ process: { profile, command, credentials } });

describe("another tool's credential_process, as the daemon holds it", () => {
  it('a cold chain asks for the output (428 NeedsProcess naming the source profile) and calls nothing upstream', async () => {
    const err = await refusal(service.forProfile(file, 'tool-deploy'));
    expect(err).toMatchObject({ code: 'NeedsProcess', status: 428, processProfile: 'tool' });
    expect(err.message).not.toContain('\n');
    expect(sts.assumeCalls).toHaveLength(0);
  });

  it('output for the link fills it once; the warm chain then asks for nothing', async () => {
    const first = await service.forProfile(file, 'tool-deploy', supplied(output(12 * 60 * 60_000)));
    expect(sts.assumeCalls.map((c) => [c.caller, c.roleArn])).toEqual([[TOOL_KEYS.accessKeyId, DEPLOY]]);
    expect(await service.forProfile(file, 'tool-deploy')).toBe(first);
    expect((await service.forProfile(file, 'tool')).AccessKeyId).toBe(TOOL_KEYS.accessKeyId);
    // The chain's role session nears its end: renewed from the tool's cached keys, no output asked.
    vi.setSystemTime(Date.now() + 55 * 60_000);
    const renewed = await service.forProfile(file, 'tool-deploy');
    expect(renewed.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(sts.assumeCalls).toHaveLength(2);
  });

  it('asks again only when the tool\'s own output needs refreshing', async () => {
    await service.forProfile(file, 'tool-deploy', supplied(output(2 * 60 * 60_000)));
    // The tool's keys have an hour left (the refresh window is 15 minutes): nothing asked.
    vi.setSystemTime(Date.now() + 60 * 60_000);
    await service.forProfile(file, 'tool');
    // Within the window: the link needs the program again.
    vi.setSystemTime(Date.now() + 50 * 60_000);
    expect(await refusal(service.forProfile(file, 'tool'))).toMatchObject({ code: 'NeedsProcess', processProfile: 'tool' });
  });

  it('output for a fresh link, for another line or for another profile changes nothing', async () => {
    const first = await service.forProfile(file, 'tool', supplied(output(4 * 60 * 60_000)));
    const other = { accessKeyId: 'AKIAOTHERKEYS0000002', secretAccessKey: 'otherSecretAccessKey00000000000000000002' };
    expect((await service.forProfile(file, 'tool', supplied(output(4 * 60 * 60_000, other)))).AccessKeyId).toBe(first.AccessKeyId);
    // Cold again (a new file, the same definition: the same link), so only the line decides.
    service.close();
    service = new CredentialService(sessions, quietLog, fake, { sts });
    expect(await refusal(service.forProfile(file, 'tool-deploy', supplied(output(60 * 60_000), '/opt/other-tool/bin/creds --account prod')))).toMatchObject({ code: 'NeedsProcess' });
    expect(await refusal(service.forProfile(file, 'tool-deploy', supplied(output(60 * 60_000), LINE, 'deploy')))).toMatchObject({ code: 'NeedsProcess' });
    expect(sts.assumeCalls).toHaveLength(0);
  });
});

describe('an SSO-sourced role with and without MFA', () => {
  it("a profile that adds mfa_serial to a role never gets another profile's session without MFA", async () => {
    const plain = await service.forProfile(file, 'deploy');
    expect(sts.assumeCalls.at(-1)?.serialNumber).toBeUndefined();
    const err = await refusal(service.forProfile(file, 'deploy-mfa'));
    expect(err).toMatchObject({ code: 'MfaRequired', mfaSerial: SERIAL, mfaProfile: 'deploy-mfa' });
    await service.submitMfaCode(file, 'deploy-mfa', GOOD_CODE);
    const withMfa = await service.forProfile(file, 'deploy-mfa');
    expect(withMfa.AccessKeyId).not.toBe(plain.AccessKeyId);
    expect(sts.assumeCalls.at(-1)).toMatchObject({ roleArn: DEPLOY, serialNumber: SERIAL, tokenCode: GOOD_CODE });
  });
});
