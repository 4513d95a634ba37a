// The daemon keeps each role's ready-to-send answer (body and headers) and sends the same bytes to
// every warm request, until the role's credentials change: then the new credentials, at once.
// Role credentials live 4 s here (the fixture's lifetimes.credentialSeconds), so they are renewed
// past half their life, 2 s after they were fetched.
import { appendFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFixture, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { waitFor } from '../helpers/waitFor.js';

const SESSION = 'd-9067c0ffee';
const ADMIN = 'Experiments/AdministratorAccess';
const READ_ONLY = 'Experiments/ReadOnlyAccess';

interface Answer {
  status: number;
  contentLength: string | undefined;
  body: string;
}

describe('ready answers', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let socket: string;

  /** GET /v1/credentials as every client asks it: the profile, and the caller's config file. */
  const ask = (profile: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const path = `/v1/credentials?profile=${encodeURIComponent(profile)}&config=${encodeURIComponent(home.configFile)}`;
      const req = request({ socketPath: socket, path }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentLength: res.headers['content-length'], body }));
      });
      req.on('error', reject).end();
    });

  beforeAll(async () => {
    const fixture = defaultFixture();
    emulator = await startTestEmulator({ autoApprove: true, fixture: { ...fixture, lifetimes: { ...fixture.lifetimes, credentialSeconds: 4 } } });
    home = await signedInHome(emulator);
    appendFileSync(home.configFile, `\n${profileSection(ADMIN, SESSION, '765432109876', 'AdministratorAccess')}\n${profileSection(READ_ONLY, SESSION, '765432109876', 'ReadOnlyAccess')}`);
    socket = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.socket;
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('sends the same bytes until the credentials change, then the new ones; each role its own', async () => {
    const first = await ask(ADMIN);
    expect(first.status).toBe(200);
    expect(first.contentLength).toBe(String(Buffer.byteLength(first.body)));
    const firstCredentials = JSON.parse(first.body);
    expect(firstCredentials).toMatchObject({ Version: 1, AccountId: '765432109876', AccessKeyId: expect.stringMatching(/^ASIA/) });
    // Another role in between is another answer, and leaves this one as it was.
    const other = await ask(READ_ONLY);
    expect(JSON.parse(other.body).AccessKeyId).not.toBe(firstCredentials.AccessKeyId);
    expect(await ask(ADMIN)).toEqual(first);
    // The Node client prints the same document.
    const viaNode = await runKeyfob(['credential-process', '--profile', ADMIN], home.env);
    expect(JSON.parse(viaNode.stdout)).toEqual(firstCredentials);

    // Past half their 4 s life the credentials are renewed: the answer is the new set at once.
    await waitFor(() => Date.now() > Date.parse(firstCredentials.Expiration) - 1_900, { what: 'the first credentials to pass half their life' });
    const renewed = await ask(ADMIN);
    const renewedCredentials = JSON.parse(renewed.body);
    expect(renewedCredentials.AccessKeyId).not.toBe(firstCredentials.AccessKeyId);
    expect(Date.parse(renewedCredentials.Expiration)).toBeGreaterThan(Date.parse(firstCredentials.Expiration));
    expect(renewed.contentLength).toBe(String(Buffer.byteLength(renewed.body)));
    expect(await ask(ADMIN)).toEqual(renewed);
  }, 20_000);
});
