// The first run as a new user makes it (issue 12): the seed journey exactly as written (with the
// README's role chain, issue 13), the region populate writes, a file the AWS CLI cannot parse, a
// read-only config directory, the native mode's token, and a wait for the config lock.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { AWS_CLI_PATH, awsCliAvailable, runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { otherUser, type OtherUser } from '../helpers/otherUser.js';
import { requirePart } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';

let emulator: RunningEmulator;
const homes: KeyfobHome[] = [];
async function home(opts: Parameters<typeof signedInHome>[1] = {}): Promise<KeyfobHome> {
  const h = await signedInHome(emulator, opts);
  homes.push(h);
  return h;
}

beforeAll(async () => {
  emulator = await startTestEmulator({ autoApprove: true });
});
afterAll(async () => {
  for (const h of homes) await h.cleanup();
  await emulator?.close();
});

/** The region of every profile populate wrote, by name. */
function regions(configFile: string): Map<string, string | undefined> {
  const doc = parseConfig(readFileSync(configFile, 'utf8'));
  const out = new Map<string, string | undefined>();
  for (const s of doc.sections) if (s.kind === 'profile' && doc.getValue(s, 'keyfob_sso_session')) out.set(s.name, doc.getValue(s, 'region'));
  return out;
}

/** The README's hand-written role chain: its ```ini block with `role_arn`, and the profile's name. */
function readmeChainProfile(): { name: string; text: string } {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /^\s*role_arn = /m.test(b));
  if (!block) throw new Error('README.md has no ```ini block with role_arn');
  const text = block.replace(/^ +/gm, '');
  const name = /^\[profile ([^\]]+)\]$/m.exec(text)?.[1];
  if (!name) throw new Error('the README\'s role chain block has no [profile NAME] header');
  expect(readme).toContain(`\`assume ${name}\``);
  return { name, text };
}

describe('the seed journey, exactly as written', () => {
  it('login with the SSO region, populate with no --region, assume in bash, aws sts get-caller-identity, then the role chain', async (ctx) => {
    requirePart(ctx, 'bash', 'aws-cli-v2');
    const h = keyfobHome(emulator);
    homes.push(h);
    const chain = readmeChainProfile();
    const script = [
      'set -u',
      'eval "$("$KEYFOB" shell-init bash)"',
      '"$KEYFOB" login --start-url "$START_URL" --sso-region "$SSO_REGION" || exit 11',
      '"$KEYFOB" populate || exit 12',
      'assume Experiments/AdministratorAccess || exit 13',
      '"$AWS_CLI" sts get-caller-identity --endpoint-url "$EMU" --output json',
      // Step 4: the README's chain profile, written by hand next to the generated ones.
      'printf \'\\n%s\' "$CHAIN_PROFILE" >> "$AWS_CONFIG_FILE"',
      'assume "$CHAIN_NAME" || exit 14',
      '"$AWS_CLI" sts get-caller-identity --endpoint-url "$EMU" --output json',
    ].join('\n');
    const r = await runCommand('/usr/bin/bash', ['--norc', '--noprofile', '-c', script], {
      ...h.env,
      KEYFOB: KEYFOB_BIN,
      AWS_CLI: AWS_CLI_PATH,
      START_URL: emulator.startUrl,
      SSO_REGION: emulator.region,
      EMU: emulator.url,
      CHAIN_PROFILE: chain.text,
      CHAIN_NAME: chain.name,
      LANG: 'C.UTF-8',
    }, { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const [identity, chained] = [...r.stdout.matchAll(/^\{[\s\S]*?^\}$/gm)].map((m) => JSON.parse(m[0]));
    expect(identity.Account).toBe('765432109876');
    expect(identity.Arn).toMatch(/:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\/alice$/);
    // The chain: Development's Deploy, assumed with Security/AdministratorAccess's credentials.
    expect(chained).toEqual(expect.objectContaining({ Account: '210987654321', Arn: 'arn:aws:sts::210987654321:assumed-role/Deploy/demo' }));
    expect(r.stderr).toContain(`keyfob: assumed ${chain.name} (210987654321, Deploy, eu-west-1)`);
    // What made it work: every profile got the sso-session's region.
    const written = regions(h.configFile);
    expect(written.size).toBeGreaterThan(0);
    expect(new Set(written.values())).toEqual(new Set([emulator.region]));
  }, 120_000);
});

describe('the region populate writes', () => {
  it("is the sso-session's sso_region by default, --region overrides it, and a region the user changed stays", async () => {
    const h = await home();
    expect((await runKeyfob(['populate'], h.env)).code).toBe(0);
    expect(new Set(regions(h.configFile).values())).toEqual(new Set([emulator.region]));

    const other = emulator.region === 'us-east-2' ? 'ap-south-1' : 'us-east-2';
    const r = await runKeyfob(['populate', '--region', other], h.env);
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(regions(h.configFile).values())).toEqual(new Set([other]));

    // A bare populate again keeps the remembered region, not the SSO region.
    expect((await runKeyfob(['populate'], h.env)).code).toBe(0);
    expect(new Set(regions(h.configFile).values())).toEqual(new Set([other]));
  }, 60_000);
});

describe('a config the AWS CLI cannot parse', () => {
  const CASES = [
    {
      what: 'an invalid sub-setting (s3 = then a line without =)',
      text: `[profile mine]\nregion = eu-west-1\ns3 =\n  addressing_style: path\n`,
      line: 4,
    },
    { what: 'a duplicate section', text: `[profile mine]\nregion = eu-west-1\n\n[profile mine]\noutput = json\n`, line: 4 },
    { what: 'a duplicate key', text: `[profile mine]\nregion = eu-west-1\nRegion = eu-west-2\n`, line: 3 },
  ];
  it.skipIf(!awsCliAvailable()).each(CASES)('$what: populate names the line and writes nothing', async ({ text, line }) => {
    const h = await home();
    const before = `${readFileSync(h.configFile, 'utf8')}\n${text}`;
    writeFileSync(h.configFile, before);
    const files = readdirSync(join(h.dir, '.aws')).sort();
    const offset = before.split('\n').length - text.split('\n').length;
    // botocore itself refuses it (the oracle for "the AWS CLI cannot parse").
    const aws = await runAwsCli(['configure', 'get', 'region', '--profile', 'mine'], { HOME: h.dir, AWS_CONFIG_FILE: h.configFile });
    expect(aws.stderr).toMatch(/Unable to parse config file/);
    for (const args of [['populate'], ['populate', '--dry-run']]) {
      const r = await runKeyfob(args, h.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^keyfob: the AWS CLI cannot parse ${h.configFile}: line ${offset + line}: .*nothing was written\\)?\\n$`));
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(h.configFile, 'utf8')).toBe(before);
    expect(readdirSync(join(h.dir, '.aws')).sort()).toEqual(files);
  }, 60_000);
});

describe('--mode native', () => {
  it('tells the user to export the token to the AWS CLI when it has none, and not once it has', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const h = await home();
    const r = await runKeyfob(['populate', '--mode', 'native'], h.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`run: keyfob login --sso-session ${SESSION} --export-to-aws-cli`);
    // What the note warns of: the AWS CLI has no token.
    const aws = await runAwsCli(['sts', 'get-caller-identity', '--profile', 'Experiments/AdministratorAccess', '--endpoint-url', emulator.url], {
      HOME: h.dir,
      AWS_CONFIG_FILE: h.configFile,
      AWS_ENDPOINT_URL_SSO: emulator.url,
      AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    });
    expect(aws.code).not.toBe(0);
    expect(aws.stderr).toMatch(/Token .*does not exist/);
    expect((await runKeyfob(['login', '--sso-session', SESSION, '--export-to-aws-cli'], h.env)).code).toBe(0);
    const again = await runKeyfob(['populate', '--mode', 'native'], h.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('--export-to-aws-cli');
  }, 60_000);
});

describe('a read-only config directory', () => {
  // Root writes anywhere, so the read-only directory is tried as an unprivileged user (CI runs as root).
  let user: OtherUser;
  beforeAll(() => {
    const made = otherUser();
    if (!made) throw new Error('this test needs root, to act as an unprivileged user (useradd, runuser)');
    user = made;
  });
  afterAll(() => user?.cleanup());

  it('a dry run and a populate that changes nothing work; a real change fails in one line naming the fix', async () => {
    const h = await home({ populate: [] });
    // The config dir belongs to another user and is read-only to everyone: keyfob runs as that user.
    const populated = readFileSync(h.configFile, 'utf8');
    const base = user.scratch();
    const configDir = join(base, 'aws');
    mkdirSync(configDir);
    const configFile = join(configDir, 'config');
    writeFileSync(configFile, populated, { mode: 0o644 });
    chmodSync(configDir, 0o555);
    const env = { ...h.env, AWS_CONFIG_FILE: configFile, KEYFOB_HOME: join(base, 'kf'), HOME: base };
    const run = (args: string[]) =>
      runCommand('/usr/sbin/runuser', ['-u', user.name, '--', process.execPath, KEYFOB_BIN, ...args], env, { timeoutMs: 60_000 });
    // Its own daemon, signed in with its own home.
    onTestFinished(async () => void (await run(['daemon', 'stop'])));
    const login = await run(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region]);
    expect(login.code, login.stderr).toBe(0);

    const noop = await run(['populate']);
    expect(noop.code, noop.stderr).toBe(0);
    expect(noop.stdout).toMatch(/\(0 added, 0 updated, 0 removed, 0 skipped\)/);

    const dry = await run(['populate', '--prefix', 'acme/', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+[profile acme/Experiments/AdministratorAccess]');

    const real = await run(['populate', '--prefix', 'acme/']);
    expect(real.code).toBe(1);
    expect(real.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(real.stderr).toMatch(new RegExp(`^keyfob: could not write ${configFile}: .*make ${configFile} and its directory writable by you`));
    expect(readFileSync(configFile, 'utf8')).toBe(populated);
    expect(readdirSync(configDir)).toEqual(['config']);
  }, 120_000);
});

describe('a wait for the config lock', () => {
  it('says after about a second that it waits, for which lock and which pid, then goes on', async () => {
    const h = await home();
    // Another keyfob holds the lock: an edit that waits for a file to appear.
    const go = join(h.dir, 'go');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { editConfigFile } from ${JSON.stringify(new URL('../../dist/config/configWriter.js', import.meta.url).pathname)};
         import { existsSync } from 'node:fs';
         await editConfigFile(process.argv[1], async () => {
           process.stdout.write('locked\\n');
           while (!existsSync(process.argv[2])) await new Promise((r) => setTimeout(r, 20));
         });`,
        h.configFile,
        go,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    onTestFinished(() => void (holder.exitCode === null && holder.kill()));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d) => String(d).includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('the lock holder exited')));
    });
    const child = spawn(process.execPath, [KEYFOB_BIN, 'populate'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const started = Date.now();
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const told = new Promise<number>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('waiting for the lock')) resolve(Date.now() - started);
      }),
    );
    // Said while it waits (not only when it gives up), so before the lock is released.
    const after = await Promise.race([told, closed.then(() => Infinity), new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 15_000))]);
    expect(after, stderr).toBeLessThan(10_000);
    expect(stderr).toContain(`waiting for the lock on ${h.configFile} (${h.configFile}.lock, held by node pid ${holder.pid}); giving up after 20s`);
    writeFileSync(go, '');
    expect(await closed, stderr).toBe(0);
    expect(regions(h.configFile).size).toBeGreaterThan(0);
    expect(existsSync(`${h.configFile}.lock.pid`)).toBe(false);
  }, 60_000);
});
