// What every doctor check returns, and what it is given.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** One line: what to do about it (given for warn and fail). */
  fix?: string;
}

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  /** Time limit for one check, in ms; checks that spawn helpers keep their own limits below it. */
  timeoutMs: number;
  /** The OS whose fixes to give; process.platform unless a test asks for another. */
  platform?: NodeJS.Platform;
}

export interface DoctorCheck {
  name: string;
  run(ctx: DoctorContext): Promise<CheckResult | CheckResult[]>;
}

export interface DoctorReport {
  checks: CheckResult[];
  /** False when any check failed; warnings and skips do not count. */
  ok: boolean;
}
