// `keyfob completion bash|zsh|fish`: commands, their flags (and the values of flags with
// choices), and profile names where a profile goes (after --profile, and as a command's
// `<profile>` positional). Commands and flags are read from the commands' option tables
// (src/core/optionTable.ts), the same tables yargs and the lean parsers read, so a new command or
// flag completes without touching this file. Profile names come from `keyfob assume
// --list-profiles` (the daemon's list) at each Tab and are never expanded by the shell.
import { KeyfobError } from '../core/errors.js';
import { tableFlags, type CommandTable } from '../core/optionTable.js';
import { keyfobExecutable } from './keyfobCommand.js';
import { quoteFor, type Shell } from '../render/quote.js';

export interface CommandCompletion {
  name: string;
  /** Long flags, with `--`. */
  flags: string[];
  /** The values a flag takes, for flags with choices. */
  values: Record<string, string[]>;
  /** The first positional: profile names, a fixed list of words, or nothing. */
  positional: 'profile' | string[] | undefined;
}

export function describeCommand(table: CommandTable): CommandCompletion {
  const values = Object.fromEntries(
    Object.entries(table.options)
      .filter(([, spec]) => spec.choices && !spec.hidden)
      .map(([name, spec]) => [`--${name}`, [...spec.choices!]]),
  );
  const first = table.positionals[0];
  const positional = first?.name === 'profile' ? 'profile' : first?.choices ? [...first.choices] : undefined;
  return { name: table.name, flags: tableFlags(table), values, positional };
}

/** Words of our own (command and flag names, choices) go into the scripts bare: check they can. */
function plain(words: readonly string[]): string {
  for (const word of words) if (!/^[A-Za-z0-9_.:-]+$/.test(word)) throw new Error(`not a plain word for completion: ${word}`);
  return words.join(' ');
}

export function completionScript(shell: string, commands: readonly CommandTable[], env: NodeJS.ProcessEnv = process.env): string {
  if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish') {
    throw new KeyfobError('Usage', 'name a shell: keyfob completion bash|zsh|fish');
  }
  const specs = commands.map(describeCommand);
  const list = `${quoteFor(shell as Shell, keyfobExecutable(env))} assume --list-profiles 2>/dev/null`;
  return shell === 'fish' ? fishScript(specs, list) : posixScript(shell, specs, list);
}

function fishScript(specs: CommandCompletion[], list: string): string {
  const lines = [
    // A function, not the command inside -a '(…)': the quoted keyfob path cannot nest in those quotes.
    `function __keyfob_complete_profiles; ${list}; end`,
    `complete -c keyfob -f`,
    `complete -c keyfob -n __fish_use_subcommand -a '${plain(specs.map((s) => s.name))}'`,
  ];
  for (const spec of specs) {
    const when = `-n '__fish_seen_subcommand_from ${plain([spec.name])}'`;
    if (spec.positional === 'profile') lines.push(`complete -c keyfob ${when} -a '(__keyfob_complete_profiles)'`);
    else if (spec.positional) lines.push(`complete -c keyfob ${when} -a '${plain(spec.positional)}'`);
    for (const flag of spec.flags) {
      const long = flag.slice(2);
      const values = spec.values[flag];
      if (flag === '--profile') lines.push(`complete -c keyfob ${when} -l profile -x -a '(__keyfob_complete_profiles)'`);
      else if (values) lines.push(`complete -c keyfob ${when} -l ${plain([long])} -x -a '${plain(values)}'`);
      else lines.push(`complete -c keyfob ${when} -l ${plain([long])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function posixScript(shell: 'bash' | 'zsh', specs: CommandCompletion[], list: string): string {
  const flagCases = specs.map((s) => `        ${plain([s.name])}) words=(${plain(s.flags)}) ;;`).join('\n');
  const valueCases = specs.flatMap((s) => Object.entries(s.values).map(([flag, values]) => `    '${plain([s.name, flag])}') words=(${plain(values)}) ;;`));
  const profileCommands = specs.filter((s) => s.positional === 'profile').map((s) => s.name);
  const positionalCases = specs
    .filter((s) => Array.isArray(s.positional))
    .map((s) => `          ${plain([s.name])}) words=(${plain(s.positional as string[])}) ;;`);
  const body = `# keyfob completion for ${shell}: eval "$(keyfob completion ${shell})"
_keyfob_complete() {
  local cur prev name
  local -a words=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    words=(${plain(specs.map((s) => s.name))})
  else
    case "\${COMP_WORDS[1]} $prev" in
${valueCases.join('\n')}
    *' --profile') _keyfob_profiles; return ;;
    *)
      case "$cur" in
      -*)
        case "\${COMP_WORDS[1]}" in
${flagCases}
        esac ;;
      *)
        [ "$COMP_CWORD" -eq 2 ] || return
        case "\${COMP_WORDS[1]}" in
          ${plain(profileCommands).replaceAll(' ', '|')}) _keyfob_profiles; return ;;
${positionalCases.join('\n')}
        esac ;;
      esac ;;
    esac
  fi
  # An array, not a word-split string: zsh runs this too (bashcompinit).
  for name in "\${words[@]}"; do [[ "$name" == "$cur"* ]] && COMPREPLY+=("$name"); done
}
_keyfob_profiles() {
  local name
  # Not compgen -W, which would expand $(…) inside profile names.
  while IFS= read -r name; do
    [[ "$name" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
  done < <(${list})
}
`;
  // zsh runs the bash function through bashcompinit, whose `complete` needs compinit's compdef.
  return shell === 'bash' ? `${body}complete -F _keyfob_complete keyfob\n` : `${body}${zshRegistration('_keyfob_complete_register', 'complete -F _keyfob_complete keyfob', '_comps[keyfob]')}`;
}

/**
 * zsh registers completions through compdef, which exists only once compinit has run; .zshrc files
 * run it before our line, after it (oh-my-zsh), or never. So: register now if compdef exists, and
 * again at the first prompt unless the registration is still there (a later compinit that loads its
 * dump file drops it); where nothing ran compinit by then, run it (-i: never load insecure files).
 * shell/assume-completion.zsh does the same for `assume`.
 */
function zshRegistration(name: string, register: string, registered: string): string {
  return `autoload -U +X bashcompinit && bashcompinit
${name}() {
  add-zsh-hook -d precmd ${name}
  [[ -n \${${registered}-} ]] && return
  (( $+functions[compdef] )) || { autoload -Uz compinit && compinit -i; }
  ${register}
}
if (( $+functions[compdef] )); then ${register}; fi
autoload -Uz add-zsh-hook && add-zsh-hook precmd ${name}
`;
}
