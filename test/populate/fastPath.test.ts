// `populate --fast-path`: credential_process asks the daemon's socket with curl (no Node) and falls
// back to the Node client when curl fails, with the same output and the same errors, under
// botocore's no-shell splitting (the AWS CLI) and the JS SDK's /bin/sh.
import { fromProcess } from '@aws-sdk/credential-providers';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';

describe('populate --fast-path', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let curlLog: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--fast-path', '--region', 'eu-west-1'] });
    // A curl on PATH that notes each call, so the test can tell which path answered.
    const bin = join(home.dir, 'bin');
    mkdirSync(bin);
    curlLog = join(home.dir, 'curl.log');
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho called >> '${curlLog}'\nexec /usr/bin/curl "$@"\n`);
    chmodSync(join(bin, 'curl'), 0o755);
    env = { ...home.env, PATH: `${bin}:${home.env.PATH}` };
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  const curlCalls = () => (existsSync(curlLog) ? readFileSync(curlLog, 'utf8').split('\n').length - 1 : 0);

  it('writes a short line that runs the fast-path script, and remembers it', () => {
    const doc = parseConfig(readFileSync(home.configFile, 'utf8'));
    const remembered = JSON.parse(readFileSync(join(home.env.KEYFOB_HOME, 'populate.json'), 'utf8')).sessions['d-9067c0ffee'];
    expect(remembered.fastPath).toBe(true);
    const line = doc.getValue({ kind: 'profile', name: PROFILE }, 'credential_process')!;
    expect(line).toBe(`/bin/sh ${join(dirname(dirname(KEYFOB_BIN)), 'shell', 'credential-process.sh')} Experiments/AdministratorAccess`);
  });

  it('answers the AWS CLI through curl, with the same JSON the Node client prints', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const before = curlCalls();
    const exported = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'], env);
    expect(exported.code).toBe(0);
    expect(curlCalls()).toBe(before + 1);
    const viaNode = JSON.parse((await runKeyfob(['credential-process', '--profile', PROFILE], env)).stdout);
    expect(JSON.parse(exported.stdout).AccessKeyId).toBe(viaNode.AccessKeyId);
  });

  it('answers the JS SDK, which runs the line through /bin/sh', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const before = curlCalls();
      const creds = await fromProcess({ profile: PROFILE, filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: home.configFile })();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      expect(curlCalls()).toBe(before + 1);
    } finally {
      process.env = saved;
    }
  });

  it('falls back to the Node client when no daemon runs: it starts one, and its error is the one users see', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    expect((await runKeyfob(['daemon', 'stop'], env)).code).toBe(0);
    // A fresh daemon with an in-memory keyring is not signed in: the Node client's one-line error.
    const r = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('keyfob: not signed in to sso-session "d-9067c0ffee"; run: keyfob login --sso-session d-9067c0ffee');
    expect((await runKeyfob(['status', '--json'], env)).stdout).toContain('"pid"'); // the fallback started the daemon
  });
});
