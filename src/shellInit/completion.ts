// `keyfob completion bash|zsh|fish`: commands, their flags (and the values of flags with
// choices), and profile names where a profile goes (after --profile, and as a command's
// `<profile>` positional). Commands and flags are read from the yargs command definitions and
// the lean commands' option tables, so a new command or flag completes without touching this
// file. Profile names come from `keyfob assume --list-profiles` (the daemon's list) at each Tab
// and are never expanded by the shell.
import yargs, { type CommandModule } from 'yargs';
import { ASSUME_FLAGS } from '../assume/args.js';
import { OPTIONS as CREDENTIAL_PROCESS_OPTIONS } from '../daemon/client/credentialProcess.js';
import { KeyfobError } from '../core/errors.js';
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

/**
 * Flags of the lean commands, which bin/keyfob.cjs routes past yargs: their yargs entries only
 * describe them, and their own parsers (util.parseArgs tables) are what counts.
 */
const LEAN_FLAGS: Record<string, readonly string[]> = {
  assume: ASSUME_FLAGS,
  exec: ASSUME_FLAGS,
  'credential-process': Object.keys(CREDENTIAL_PROCESS_OPTIONS).map((name) => `--${name}`),
  'shell-init': ['--help'],
};

/** What yargs' options table holds once a builder has run; yargs has no public type for it. */
interface YargsOptions {
  key: Record<string, boolean>;
  boolean: string[];
  choices: Record<string, string[]>;
  default: Record<string, unknown>;
  hiddenOptions: string[];
}

export function describeCommand(module: CommandModule<any, any>): CommandCompletion {
  const spec = Array.isArray(module.command) ? module.command[0] : module.command;
  const [name, ...words] = String(spec).split(/\s+/);
  const positionals = words.map((word) => word.replace(/^[<[]|(\.\.)?[>\]]$/g, ''));
  const y = yargs([]);
  if (typeof module.builder === 'function') module.builder(y);
  else if (module.builder) y.options(module.builder);
  const options = (y as unknown as { getOptions(): YargsOptions }).getOptions();
  const flags = new Set<string>();
  for (const key of Object.keys(options.key)) {
    if (positionals.includes(key) || key === 'version' || key.length === 1 || options.hiddenOptions.includes(key)) continue;
    // A boolean that defaults to true is only ever typed as --no-X.
    flags.add(options.boolean.includes(key) && options.default[key] === true ? `--no-${key}` : `--${key}`);
  }
  for (const flag of LEAN_FLAGS[name!] ?? []) flags.add(flag);
  const values = Object.fromEntries(
    Object.entries(options.choices)
      .filter(([key]) => !positionals.includes(key))
      .map(([key, choices]) => [`--${key}`, choices.map(String)]),
  );
  const first = positionals[0];
  const positional = first === 'profile' || name === 'assume' ? 'profile' : first ? options.choices[first]?.map(String) : undefined;
  return { name: name!, flags: [...flags].sort(), values, positional };
}

/** Words of our own (command and flag names, choices) go into the scripts bare: check they can. */
function plain(words: readonly string[]): string {
  for (const word of words) if (!/^[A-Za-z0-9_.:-]+$/.test(word)) throw new Error(`not a plain word for completion: ${word}`);
  return words.join(' ');
}

export function completionScript(shell: string, commands: readonly CommandModule<any, any>[], env: NodeJS.ProcessEnv = process.env): string {
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
