// Run `keyfob doctor` as a real process: through bin/keyfob.cjs once src/cli.ts registers the
// command, and until then through doctorHarness.mjs (the same command module under yargs).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runKeyfob, type RunResult } from '../helpers/keyfob.js';

export const DOCTOR_HARNESS = new URL('./doctorHarness.mjs', import.meta.url).pathname;
const cliHasDoctor = () => readFileSync(new URL('../../dist/cli.js', import.meta.url), 'utf8').includes('commands/doctor.js');

/** The command line that runs doctor, for tests that run it from a shell. */
export function doctorCommand(): string[] {
  return cliHasDoctor() ? [process.execPath, new URL('../../bin/keyfob.cjs', import.meta.url).pathname, 'doctor'] : [process.execPath, DOCTOR_HARNESS, 'doctor'];
}

export function runDoctor(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<RunResult> {
  if (cliHasDoctor()) return runKeyfob(['doctor', ...args], env, timeoutMs);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DOCTOR_HARNESS, 'doctor', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keyfob doctor timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface DoctorJson {
  checks: { name: string; status: 'ok' | 'warn' | 'fail' | 'skip'; detail: string; fix?: string }[];
  ok: boolean;
}

export async function doctorJson(env: Record<string, string>): Promise<DoctorJson & { code: number | null; stderr: string }> {
  const r = await runDoctor(['--json'], env);
  return { ...(JSON.parse(r.stdout) as DoctorJson), code: r.code, stderr: r.stderr };
}

export function check(report: DoctorJson, name: string): DoctorJson['checks'][number] {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`doctor reported no ${name} check: ${JSON.stringify(report)}`);
  return found;
}
