// `keyfob doctor`: every check at once, each under its own time limit so that one hung part
// (a keychain waiting for an unlock prompt, a daemon that accepts and never answers) cannot hang doctor.
import { oneLine } from '../core/errors.js';
import { visible } from '../core/terminalText.js';
import { awsCliCheck } from './awsCli.js';
import { clockSkewCheck } from './clockSkew.js';
import { configChecks } from './config.js';
import { consoleBrowserCheck } from './consoleBrowser.js';
import { credentialProcessCheck } from './credentialProcess.js';
import { daemonCheck } from './daemon.js';
import { keychainCheck } from './keychain.js';
import { nativeTokenCheck } from './nativeToken.js';
import { shellShimCheck } from './shellShim.js';
import { socketDirCheck } from './socketDir.js';
import type { CheckResult, CheckStatus, DoctorCheck, DoctorReport } from './types.js';

export type { CheckResult, CheckStatus, DoctorReport } from './types.js';

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** In the order they are printed: the local parts first, then the config, then the outside world. */
export const CHECKS: readonly DoctorCheck[] = [keychainCheck, socketDirCheck, daemonCheck, shellShimCheck, consoleBrowserCheck, configChecks, credentialProcessCheck, nativeTokenCheck, clockSkewCheck, awsCliCheck];

async function runWithin(check: DoctorCheck, env: NodeJS.ProcessEnv, timeoutMs: number, platform: NodeJS.Platform): Promise<CheckResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult[]>((resolve) => {
    timer = setTimeout(
      () => resolve([{ name: check.name, status: 'fail', detail: `no answer within ${timeoutMs / 1000}s`, fix: `run: keyfob doctor again; if it persists, see KEYFOB_HOME/daemon.log` }]),
      timeoutMs,
    );
  });
  const ran = check
    .run({ env, timeoutMs, platform })
    .then((result) => (Array.isArray(result) ? result : [result]))
    // A check that throws is a bug in that check, not a verdict on the machine; still report it.
    .catch((err: unknown): CheckResult[] => [{ name: check.name, status: 'fail', detail: `the check itself failed: ${oneLine(err)}` }]);
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runDoctor(env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS, platform: NodeJS.Platform = process.platform): Promise<DoctorReport> {
  const results = await Promise.all(CHECKS.map((check) => runWithin(check, env, timeoutMs, platform)));
  const checks = results.flat();
  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line per check; the fix indented under each warning and failure. */
export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.fix && (check.status === 'fail' || check.status === 'warn')) lines.push(`    fix: ${check.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed ? `${failed} check(s) failed` : 'no problems found');
  // Details quote the config, the daemon and the server: nothing in them may act on the terminal.
  return `${lines.map(visible).join('\n')}\n`;
}
