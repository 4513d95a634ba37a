// `keyfob completion bash|zsh|fish`: commands, and profile names where a profile goes
// (after --profile, and as the first word after assume, exec and console). Profile names come
// from `keyfob assume --list-profiles` (the daemon's list) and are never expanded by the shell.
import { KeyfobError } from '../errors.js';
import { keyfobExecutable } from './keyfobCommand.js';
import { quoteFor, type Shell } from './quote.js';

export const COMMANDS = ['login', 'logout', 'populate', 'assume', 'exec', 'console', 'shell-init', 'completion', 'status', 'credential-process', 'daemon', 'emulator', 'demo'];
const TAKES_PROFILE = ['assume', 'exec', 'console'];

export function completionScript(shell: string, env: NodeJS.ProcessEnv = process.env): string {
  if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish') {
    throw new KeyfobError('Usage', 'name a shell: keyfob completion bash|zsh|fish');
  }
  const bin = quoteFor(shell as Shell, keyfobExecutable(env));
  const list = `${bin} assume --list-profiles 2>/dev/null`;
  if (shell === 'fish') {
    return [
      `complete -c keyfob -f`,
      `complete -c keyfob -n __fish_use_subcommand -a '${COMMANDS.join(' ')}'`,
      `complete -c keyfob -n '__fish_seen_subcommand_from ${TAKES_PROFILE.join(' ')}' -a '(${list})'`,
      `complete -c keyfob -l profile -x -a '(${list})'`,
      '',
    ].join('\n');
  }
  const body = `# keyfob completion for ${shell}: eval "$(keyfob completion ${shell})"
_keyfob_complete() {
  local cur prev name
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    for name in ${COMMANDS.join(' ')}; do [[ "$name" == "$cur"* ]] && COMPREPLY+=("$name"); done
    return
  fi
  case "$prev" in --profile) ;; ${TAKES_PROFILE.join('|')}) [ "$COMP_CWORD" -eq 2 ] || return ;; *) return ;; esac
  # Not compgen -W, which would expand $(…) inside profile names.
  while IFS= read -r name; do
    [[ "$name" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
  done < <(${list})
}
`;
  // zsh runs the bash function through bashcompinit.
  return shell === 'bash'
    ? `${body}complete -F _keyfob_complete keyfob\n`
    : `${body}autoload -U +X bashcompinit && bashcompinit\ncomplete -F _keyfob_complete keyfob\n`;
}
