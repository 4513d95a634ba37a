// Another tool's credential_process, run as botocore runs it: the line split like shlex
// (splitCommandLine), no shell, in the caller's working directory and environment (less AWS
// credential variables), its stdout read as credential_process JSON v1 (processOutput.ts). Only the
// CLIENT runs it (daemon/client/processNeed.ts), as the user who ran the AWS CLI, assume or exec,
// from a line in that user's own config file; the daemon never starts a program. Bounded: a
// timeout, and at most MAX_OUTPUT_BYTES of output.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { CREDENTIAL_VARIABLES } from '../core/credentialVariables.js';
import { splitCommandLine } from '../core/shellWords.js';
import { KeyfobError } from '../core/errors.js';
import { visible } from '../core/terminalText.js';
import { ownFileProblem, UntrustedPathError } from '../core/trustedPath.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

import { MAX_OUTPUT_BYTES, parseProcessOutput, PROCESS_TIMEOUT_MS } from './processOutput.js';

export { MAX_OUTPUT_BYTES, PROCESS_TIMEOUT_MS, UNDATED_LIFETIME_MS } from './processOutput.js';

export interface ProcessOptions {
  profile: string;
  command: string;
  /** The file the line is written in: checked again before every run. */
  file: string;
  timeoutMs?: number;
}

export class ProcessProvider implements CredentialProvider {
  constructor(private readonly options: ProcessOptions) {}

  private fail(detail: string): KeyfobError {
    const program = basename(splitCommandLine(this.options.command)[0] ?? '');
    return new KeyfobError(
      'ProcessFailed',
      `credential_process of profile ${JSON.stringify(this.options.profile)} (${program}) ${detail}; run it yourself to see why, or fix credential_process in ${this.options.file}`,
      502,
    );
  }

  async retrieve(): Promise<RoleCredentials> {
    const { command, file } = this.options;
    const problem = ownFileProblem(file, 'keep your AWS config in a directory only you can write');
    if (problem) throw new UntrustedPathError('to run credential_process from', file, problem);
    const argv = splitCommandLine(command);
    if (argv.length === 0) throw this.fail('is empty');
    const { stdout, stderr, code, signal, overflow } = await this.run(argv);
    if (overflow) throw this.fail(`wrote more than ${MAX_OUTPUT_BYTES} bytes`);
    if (signal) throw this.fail(signal === 'SIGKILL' ? `did not finish within ${(this.options.timeoutMs ?? PROCESS_TIMEOUT_MS) / 1000} s` : `was killed (${signal})`);
    if (code !== 0) {
      const why = visible(stderr.trim().split('\n')[0] ?? '').slice(0, 200);
      throw this.fail(`failed (exit ${code}${why ? `: ${why}` : ''})`);
    }
    return this.parse(stdout);
  }

  private run(argv: string[]): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null; overflow: boolean }> {
    return new Promise((resolve, reject) => {
      // Credentials the caller had exported (an assumed role) are not another tool's to see.
      const env = { ...process.env };
      for (const name of CREDENTIAL_VARIABLES) delete env[name];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env, timeout: this.options.timeoutMs ?? PROCESS_TIMEOUT_MS, killSignal: 'SIGKILL' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let overflow = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) {
          overflow = true;
          child.kill('SIGKILL');
          return;
        }
        into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      child.on('error', (e: NodeJS.ErrnoException) => reject(this.fail(`cannot start (${e.code ?? e.message})`)));
      child.on('close', (code, signal) =>
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal, overflow }),
      );
    });
  }

  private parse(stdout: string): RoleCredentials {
    return parseProcessOutput(stdout, (detail) => this.fail(detail));
  }
}
