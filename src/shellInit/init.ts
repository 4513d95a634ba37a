// `keyfob shell-init SHELL`: the shim from shell/, naming this installation's keyfob by
// absolute path (quoted for that shell), so `assume` works whatever PATH the shell ends up with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyfobError } from '../core/errors.js';
import { keyfobExecutable } from './keyfobCommand.js';
import { installRoot } from '../core/paths.js';
import { quoteFor, SHELLS, type Shell } from '../render/quote.js';

/** The files of each shell's shim, in shell/: bash and zsh share the functions (fastpath.sh is the installed keyfob command's too), not the completion. */
const SHIM_FILES: Record<Shell, string[]> = {
  bash: ['locate.sh', 'fastpath.sh', 'assume.sh', 'assume-completion.bash'],
  zsh: ['locate.sh', 'fastpath.sh', 'assume.sh', 'assume-completion.zsh'],
  fish: ['assume.fish'],
  powershell: ['assume.ps1'],
};

export function shellInit(shell: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (!shell || !(SHELLS as readonly string[]).includes(shell)) {
    throw new KeyfobError('Usage', `name a shell: keyfob shell-init ${SHELLS.join('|')}`);
  }
  const template = SHIM_FILES[shell as Shell].map((file) => readFileSync(join(installRoot(), 'shell', file), 'utf8')).join('\n');
  const bin = quoteFor(shell as Shell, keyfobExecutable(env));
  // The fast path's trust check of the socket, run with sh (see shell/trusted-socket.sh).
  const trust = quoteFor(shell as Shell, join(installRoot(), 'shell', 'trusted-socket.sh'));
  return template
    .replaceAll('__KEYFOB_BIN__', bin)
    .replaceAll('__KEYFOB_TRUST__', trust)
    .replaceAll('__KEYFOB_SHELL__', shell);
}
