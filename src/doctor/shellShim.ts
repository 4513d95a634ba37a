// Is the `assume` shim loaded in the shell that runs doctor? The shims export
// KEYFOB_SHELL_SHIM=<shell> when loaded; doctor's parent process is that shell, and when
// the two disagree the variable was inherited from another shell that loaded its shim.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SHELLS, type Shell } from '../render/quote.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'shell-shim';

/** Where each shell's rc line goes, and the line (docs/user-guide.md, "assume"). */
const RC_LINE: Record<Shell, string> = {
  bash: 'add to ~/.bashrc: eval "$(keyfob shell-init bash)"',
  zsh: 'add to ~/.zshrc: eval "$(keyfob shell-init zsh)"',
  fish: 'add to ~/.config/fish/config.fish: keyfob shell-init fish | source',
  powershell: 'add to $PROFILE: keyfob shell-init powershell | Out-String | Invoke-Expression',
};

function asShell(name: string | undefined): Shell | undefined {
  const plain = basename(name ?? '').replace(/^-/, '').replace(/\.exe$/i, '').toLowerCase();
  if (plain === 'pwsh') return 'powershell';
  return (SHELLS as readonly string[]).includes(plain) ? (plain as Shell) : undefined;
}

/** The command name of a process: Linux's /proc, else `ps -o comm=` (macOS and the BSDs have no /proc); undefined when neither answers. */
export function processName(pid: number, procRoot = '/proc'): string | undefined {
  try {
    return readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
  } catch {
    // No /proc (macOS): ask ps, within a 2 s bound, or leave the shell unknown.
  }
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The shell doctor was started from, when the parent process is one. */
function parentShell(): Shell | undefined {
  return asShell(processName(process.ppid));
}

export function inspectShellShim(env: NodeJS.ProcessEnv, parent: Shell | undefined = parentShell()): CheckResult {
  const marker = env.KEYFOB_SHELL_SHIM?.trim();
  const shell = parent ?? asShell(env.SHELL) ?? 'bash';
  if (!marker) {
    return {
      name: NAME,
      status: 'warn',
      detail: `unknown: this ${parent ?? 'shell'} does not say it loaded the assume shim (KEYFOB_SHELL_SHIM is unset)`,
      fix: RC_LINE[shell],
    };
  }
  const loaded = asShell(marker);
  if (!loaded) return { name: NAME, status: 'warn', detail: `KEYFOB_SHELL_SHIM=${marker} names no shell keyfob knows`, fix: RC_LINE[shell] };
  // bash and zsh share one shim, but each needs its own rc line.
  if (parent && parent !== loaded) {
    return { name: NAME, status: 'warn', detail: `the ${loaded} shim was loaded by a parent shell, not by this ${parent}`, fix: RC_LINE[parent] };
  }
  return { name: NAME, status: 'ok', detail: `assume is loaded in ${loaded} (KEYFOB_SHELL_SHIM=${marker})` };
}

export const shellShimCheck: DoctorCheck = {
  name: NAME,
  run: async ({ env }) => inspectShellShim(env),
};
