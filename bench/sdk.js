// Benchmark (issue 14): a fresh process of each SDK resolving credentials, as a user's script or
// tool would, through keyfob's default generated profile, through the SDK's own sso-session support
// (the token exported by `keyfob login --export-to-aws-cli`), and from static keys (the floor: no
// credential work at all); and the native side again with 50 ms added to its GetRoleCredentials, as a
// real network would: it pays that in every fresh process, keyfob's warm daemon pays nothing.
import { appendFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AWS_CLI_PACKAGE, botocoreDataPath, emulatorAdmin, emulatorCalls, interleaved, median, PYTHON, ratioRow, runProcess } from './lib.js';

const NATIVE = 'bench-native-sso';
const STATIC = 'bench-static-keys';
const LATENCY_MS = 50;

/** Each client prints the first four characters of the key id it got: AKIA (static) or ASIA (role). */
const BOTOCORE_SCRIPT = `import sys
sys.path.insert(0, ${JSON.stringify(AWS_CLI_PACKAGE)})
from botocore.session import Session
sys.stdout.write(Session(profile=sys.argv[1]).get_credentials().get_frozen_credentials().access_key[:4])`;
const JS_SDK_SCRIPT = (module) =>
  `require(${JSON.stringify(module)}).fromIni({ profile: process.argv[1] })().then((c) => process.stdout.write(c.accessKeyId.slice(0, 4)))`;

/** The native sso-session profile and the static-keys floor, for the same account and role as `profile`. */
function addComparisonProfiles(configFile, { session, accountId, roleName, region }) {
  appendFileSync(
    configFile,
    `\n[profile ${NATIVE}]\nsso_session = ${session}\nsso_account_id = ${accountId}\nsso_role_name = ${roleName}\nregion = ${region}\n` +
      // Made-up keys: resolving them needs no call, and nothing here calls AWS with them.
      `\n[profile ${STATIC}]\naws_access_key_id = AKIABENCHSTATICKEY01\naws_secret_access_key = bench/static/secret/key/not/a/real/one/000\nregion = ${region}\n`,
  );
}

/** The two clients, each as a fresh process resolving one profile; `ms` is the whole process. */
function clients(env, home, emulator) {
  const botocoreEnv = { ...env, AWS_DATA_PATH: botocoreDataPath(mkdtempSync(join(home, 'aws-data-')), emulator.url) };
  const jsModule = createRequire(import.meta.url).resolve('@aws-sdk/credential-providers');
  // The SDK's note that its 2027 releases need Node 22 is not part of resolving credentials.
  const jsEnv = { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return [
    { name: 'botocore', label: 'botocore `Session(profile).get_credentials()`', resolve: (p) => runProcess(PYTHON, ['-c', BOTOCORE_SCRIPT, p], botocoreEnv) },
    { name: 'JS SDK', label: 'JS SDK v3 `fromIni({ profile })()`', resolve: (p) => runProcess(process.execPath, ['-e', JS_SDK_SCRIPT(jsModule), p], jsEnv) },
  ];
}

/** One contender for `interleaved`: resolves `profile`, counting the GetRoleCredentials calls it caused. */
function contender(name, client, profile, emulator, upstream) {
  upstream[name] = 0;
  return {
    name,
    run: async () => {
      const before = await emulatorCalls(emulator, 'GetRoleCredentials');
      const { ms } = await client.resolve(profile);
      upstream[name] += (await emulatorCalls(emulator, 'GetRoleCredentials')) - before;
      return ms;
    },
  };
}

/**
 * The same contender with the emulator holding its GetRoleCredentials calls LATENCY_MS, as a real
 * network would. The fault is queued for each run and cleared after it, so that the other
 * contenders, timed in the same loop, are untouched (keyfob's warm side makes no call anyway).
 */
function withLatency(inner, emulator) {
  return {
    name: inner.name,
    run: async () => {
      const { faults } = await emulatorAdmin(emulator, 'faults', { operation: 'GetRoleCredentials', latencyMs: LATENCY_MS, count: 1 });
      if (faults.GetRoleCredentials?.[0]?.latencyMs !== LATENCY_MS) throw new Error(`the emulator did not queue the latency fault: ${JSON.stringify(faults)}`);
      try {
        return await inner.run();
      } finally {
        await emulatorAdmin(emulator, 'faults/clear');
      }
    },
  };
}

/**
 * Why a fresh-process row misses its goal, from this run's own numbers: what the line and the
 * native path each cost above the floor, and what the line is.
 */
function whyMissed({ client, def, native, floor, line }) {
  const lineCost = median(def) - median(floor);
  const nativeCost = median(native) - median(floor);
  const spread = Math.max(...floor) - Math.min(...floor);
  const lineText =
    lineCost < 0
      ? `the default line measured ${(-lineCost).toFixed(0)} ms *below* the static-keys floor, inside this machine's noise (the floor's own runs spread over ${spread.toFixed(0)} ms)`
      : `the default line costs ${lineCost.toFixed(0)} ms above the static-keys floor`;
  const nativeText = `the native sso-session path ${nativeCost.toFixed(0)} ms (loading the SSO client, reading the token file, one GetRoleCredentials against a local emulator, so no network)`;
  const bound = median(floor) / median(native);
  const budget = 0.85 * median(native) - median(floor);
  const reach =
    budget <= 0
      ? `Even a line that cost nothing would give ${bound.toFixed(2)} here: 0.85 needs the native path to cost more than 15% of the whole process, which against a local emulator it does not (see the +50 ms row for a network).`
      : `0.85 leaves the line ${budget.toFixed(0)} ms above the floor here; most of what it costs is curl's own start-up, so a Unix-socket client smaller than curl in the front would reach it.`;
  return `In a fresh ${client} process ${lineText}, ${nativeText}. ${reach} ${line.why}`;
}

/**
 * Runs the rows. `profile` is a populate-generated profile the daemon already holds warm;
 * `line` describes its credential_process line ({ text, why }: what it starts, what would fix it).
 */
export async function benchSdk({ emulator, env, home, profile, sso, line, quick = false }) {
  addComparisonProfiles(env.AWS_CONFIG_FILE, sso);
  const runs = quick ? 3 : 21;
  const rows = [];
  const fresh = [];
  const checks = [];
  const list = clients(env, home, emulator);

  // Each client, once per profile, must get what it should before anything is timed.
  for (const client of list) {
    for (const [p, prefix] of [[profile, 'ASIA'], [NATIVE, 'ASIA'], [STATIC, 'AKIA']]) {
      const { stdout } = await client.resolve(p);
      if (stdout !== prefix) throw new Error(`${client.name} resolved ${p} to "${stdout}", expected a ${prefix} key`);
    }
  }

  for (const client of list) {
    const upstream = {};
    const t = await interleaved(runs, [
      contender('default', client, profile, emulator, upstream),
      contender('native', client, NATIVE, emulator, upstream),
      withLatency(contender('native+latency', client, NATIVE, emulator, upstream), emulator),
      contender('static', client, STATIC, emulator, upstream),
    ]);
    const why = whyMissed({ client: client.name, def: t.default, native: t.native, floor: t.static, line });
    rows.push({ ...ratioRow(`fresh ${client.label}: default profile ÷ native sso-session`, ['default', t.default], ['native', t.native], { max: 0.85 }), why });
    const floorRow = ratioRow(`fresh ${client.label}: default profile ÷ static keys (floor)`, ['default', t.default], ['static', t.static], { max: 1.1 });
    floorRow.value += `; native ÷ static = ${(median(t.native) / median(t.static)).toFixed(2)}`;
    const allowance = median(t.static) * 0.1;
    const lineCost = median(t.default) - median(t.static);
    rows.push({
      ...floorRow,
      why:
        `The goal leaves the line 10% of the floor (${allowance.toFixed(0)} ms in this run); it costs ${lineCost.toFixed(0)} ms. ${line.why} ` +
        "Most of that is curl's own start-up (`curl --version` alone, in the warm rows, is about the allowance) and, in the JS SDK, a `/bin/sh -c` in front of the line; a Unix-socket client smaller than curl in the front would close most of the gap.",
    });
    const latencyRow = ratioRow(`the same, ${client.name}, GetRoleCredentials +${LATENCY_MS} ms: default ÷ native`, ['default', t.default], ['native+latency', t['native+latency']], { max: 0.85 });
    latencyRow.value += `; native called GetRoleCredentials in ${upstream['native+latency']} of ${runs} processes, default in ${upstream.default}`;
    latencyRow.why =
      `${whyMissed({ client: client.name, def: t.default, native: t['native+latency'], floor: t.static, line })} ` +
      `The latency added ${(median(t['native+latency']) - median(t.native)).toFixed(0)} ms to the native side's median in this run.`;
    if (upstream['native+latency'] < runs) latencyRow.why += ` The native side did not call GetRoleCredentials in every process: this ${client.name} caches role credentials across processes, so the latency does not apply to it.`;
    rows.push(latencyRow);
    fresh.push(
      [`${client.name}: static keys`, t.static],
      [`${client.name}: native sso`, t.native],
      [`${client.name}: native sso +${LATENCY_MS} ms`, t['native+latency']],
      [`${client.name}: default line`, t.default],
    );
    checks.push(`${client.name}: native ${upstream.native}/${runs} processes called GetRoleCredentials, native +${LATENCY_MS} ms ${upstream['native+latency']}/${runs}, default ${upstream.default}`);
  }

  return {
    rows,
    fresh,
    how:
      `- **fresh-process SDKs**: \`${PYTHON}\` with the botocore inside the AWS CLI v2 (\`Session(profile=P).get_credentials().get_frozen_credentials()\`) and \`node\` with ` +
      `@aws-sdk/credential-providers (\`fromIni({ profile: P })()\`), each a new process per run, wall time of the whole process. Per client, four contenders for the same account and role, timed alternately (the order rotates each round), ${runs} rounds: ` +
      `the profile \`keyfob populate\` generated, with its default \`credential_process\` line (this run: \`${line.text}\`), the daemon warm; ` +
      `a native \`sso_session\` profile whose token is the one \`keyfob login --export-to-aws-cli\` wrote to ~/.aws/sso/cache; the same native profile with the emulator's latency fault holding its GetRoleCredentials ${LATENCY_MS} ms (queued before that run, cleared after it), as a network would; and static keys in the config (no credential work: the floor). ` +
      `The JS SDK reaches the emulator through \`AWS_ENDPOINT_URL_SSO\`; botocore's SSO provider ignores that variable, so it gets an \`AWS_DATA_PATH\` with a one-rule endpoint set (smaller than the real one). ` +
      `The +${LATENCY_MS} ms rows divide the same default runs by the delayed native runs: the warm default side makes no upstream call, so the fault cannot touch it. ` +
      `Upstream calls counted by the emulator around every run: ${checks.join('; ')}.`,
  };
}
