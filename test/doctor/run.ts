// Run `keyfob doctor` as a real process, and read its --json report.
import { KEYFOB_BIN, runKeyfob, type RunResult } from '../helpers/keyfob.js';

/** The command line that runs doctor, for tests that run it from a shell. */
export function doctorCommand(): string[] {
  return [process.execPath, KEYFOB_BIN, 'doctor'];
}

export function runDoctor(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<RunResult> {
  return runKeyfob(['doctor', ...args], env, timeoutMs);
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
