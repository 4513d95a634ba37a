// `assume --auto-refresh`: the daemon's loopback container-credentials endpoint. botocore (the AWS
// CLI v2) and the JS SDK get credentials from it; with 2-minute credentials a loop of AWS CLI calls
// and one long-lived SDK client keep working past expiry; bad tokens and foreign Host headers are
// refused; --unset and the end of exec revoke; tokens end with the daemon (a restarted one listens
// on a new port and refuses them; the next assume gets a new token).
import { fromContainerMetadata, fromHttp } from '@aws-sdk/credential-providers';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsJson, throwawayAwsHome } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const CREDENTIAL_SECONDS = 120;

/** The variables an auto-refresh assume exports, read from its bash script. */
function exported(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  return vars;
}

function get(uri: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(uri, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('auto-refreshing credentials (container endpoint)', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let vars: Record<string, string>;
  const cli = throwawayAwsHome();

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true, credentialTtl: CREDENTIAL_SECONDS });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    const r = await runKeyfob(['assume', '--shell', 'bash', '--auto-refresh', 'Experiments/AdministratorAccess'], {
      ...home.env,
      KEYFOB_EXPORTED: 'AWS_ACCESS_KEY_ID,AWS_PROFILE',
    });
    expect(r.code).toBe(0);
    vars = exported(r.stdout);
    expect(r.stdout).toContain('unset AWS_ACCESS_KEY_ID\nunset AWS_SECRET_ACCESS_KEY\nunset AWS_SESSION_TOKEN\nunset AWS_CREDENTIAL_EXPIRATION\nunset AWS_PROFILE\n');
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    cli.cleanup();
  });

  it('exports a loopback URI and a token instead of keys', () => {
    expect(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/container-credentials$/);
    expect(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(vars.AWS_REGION).toBe('eu-west-1');
    expect(vars.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(vars.AWS_PROFILE).toBeUndefined();
  });

  it('answers with AccessKeyId, SecretAccessKey, Token, Expiration and AccountId, and keeps no token on disk', async () => {
    const r = await get(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN });
    expect(r.status).toBe(200);
    expect(Object.keys(JSON.parse(r.body)).sort()).toEqual(['AccessKeyId', 'AccountId', 'Expiration', 'SecretAccessKey', 'Token']);
    expect(JSON.parse(r.body).AccountId).toBe('765432109876');
    for (const file of filesUnder(home.dir)) expect(readFileSync(file, 'utf8').includes(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN), file).toBe(false);
  });

  it('refuses a missing token, a wrong token and a foreign Host header', async () => {
    const uri = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    expect((await get(uri, {})).status).toBe(401);
    const wrong = await get(uri, { authorization: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body).message).toContain('run: assume --auto-refresh PROFILE');
    const rebound = await get(uri, { authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN, host: `evil.example:${new URL(uri).port}` });
    expect(rebound.status).toBe(403);
  });

  it('the JS SDK (fromContainerMetadata and fromHttp) gets credentials from it', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_CONTAINER_CREDENTIALS_FULL_URI: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN });
    try {
      for (const provider of [fromContainerMetadata(), fromHttp({})]) {
        const creds = await provider();
        expect(creds.accessKeyId).toMatch(/^ASIA/);
      }
    } finally {
      process.env = saved;
    }
  });

  it('with 2-minute credentials, AWS CLI calls and one long-lived SDK client keep working past expiry', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const env = { ...cli.env, AWS_CONTAINER_CREDENTIALS_FULL_URI: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_REGION: 'eu-west-1' };
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_CONTAINER_CREDENTIALS_FULL_URI: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN });
    const sts = new STSClient({ region: 'eu-west-1', endpoint: emulator.url, credentials: fromHttp({}) });
    const keys = new Set<string>();
    try {
      const until = Date.now() + (CREDENTIAL_SECONDS + 15) * 1000;
      while (Date.now() < until) {
        const who = await awsJson(['sts', 'get-caller-identity', `--endpoint-url=${emulator.url}`], env);
        expect(who.Account).toBe('765432109876');
        const viaSdk = await sts.send(new GetCallerIdentityCommand({}));
        expect(viaSdk.Account).toBe('765432109876');
        keys.add((await sts.config.credentials()).accessKeyId);
        await new Promise((r) => setTimeout(r, 10_000)); // the pace of calls across the credentials' 2-minute life: time passing is the subject
      }
    } finally {
      process.env = saved;
    }
    expect(keys.size).toBeGreaterThan(1); // the long-lived client moved on to fresh credentials
  }, 240_000);

  it('tokens end with the daemon: a restarted one refuses them, and the next assume gets a new token on a new port', async () => {
    expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
    expect((await runKeyfob(['daemon', 'start'], home.env)).code).toBe(0);
    // This home keeps the sign-in in daemon memory (KEYFOB_KEYRING=memory): sign in again.
    expect((await runKeyfob(['login'], home.env)).code).toBe(0);
    const r = await runKeyfob(['assume', '--shell', 'bash', '--auto-refresh', 'Experiments/AdministratorAccess'], home.env);
    expect(r.code).toBe(0);
    const fresh = exported(r.stdout);
    expect(fresh.AWS_CONTAINER_AUTHORIZATION_TOKEN).not.toBe(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN);
    expect(new URL(fresh.AWS_CONTAINER_CREDENTIALS_FULL_URI).port).not.toBe(new URL(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI).port);
    const old = await get(fresh.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN });
    expect([old.status, JSON.parse(old.body).code]).toEqual([403, 'UnknownToken']);
    expect((await get(fresh.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: fresh.AWS_CONTAINER_AUTHORIZATION_TOKEN })).status).toBe(200);
    // The old URI has nothing behind it any more: SDKs get a connection error, not someone's answer.
    await expect(get(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN })).rejects.toThrow(/ECONNREFUSED/);
    vars = fresh; // the tests below revoke the live token
  });

  it('exec --auto-refresh hands the command a token that dies with it', async () => {
    const out = join(home.dir, 'exec-vars');
    const r = await runKeyfob(['exec', '--auto-refresh', 'QA/ReadOnlyAccess', '--', 'sh', '-c', `printf '%s\\n%s' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > ${out}`], home.env);
    expect(r.code).toBe(0);
    const [uri, token] = readFileSync(out, 'utf8').split('\n');
    expect((await get(uri, { authorization: token })).status).toBe(403);
  });

  it('--unset revokes the token it exported', async () => {
    const r = await runKeyfob(['assume', '--shell', 'bash', '--unset'], {
      ...home.env,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN,
      KEYFOB_EXPORTED: 'AWS_CONTAINER_CREDENTIALS_FULL_URI,AWS_CONTAINER_AUTHORIZATION_TOKEN,KEYFOB_PROFILE',
    });
    expect(r.stdout).toContain('unset AWS_CONTAINER_AUTHORIZATION_TOKEN\n');
    const after = await get(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN });
    expect(after.status).toBe(403);
  });
});
