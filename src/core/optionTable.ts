// One option table per command, and the one adapter that parses it without yargs.
//
// A command's table (a CommandTable) names its positionals and its options: type, short alias,
// description, default, choices. Three readers use the same object:
// - the full CLI (yargs): src/commands/define.ts hands it to `.positional()` and `.options()`, so
//   `keyfob X --help` is yargs' help of the table;
// - the lean commands (credential-process, assume, exec, shell-init), which must start without
//   yargs: parseCommandLine() below, Node's util.parseArgs behind a small adapter, and
//   commandHelp() for their --help;
// - completion (src/shellInit/completion.ts): the flags, their choices and the positional.
//
// The adapter adds what Node 20's parseArgs lacks, and nothing else:
// - `--no-NAME` for every boolean (as yargs reads it);
// - a value in the next word, whatever it starts with (`-r -x` gives -x to -r, as getopt does;
//   parseArgs would call it ambiguous, yargs would read -x as a flag: write `--region=-x` for both);
// - everything after `--` handed back as is (`assume PROFILE -- cmd args`);
// - choices and numbers checked, defaults filled in, and every error one line ending in the
//   command's hint ("see: assume --help").
// `-h`/`--help` is every command's, as yargs gives every command one; it is not in the tables.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KeyfobError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  /** One letter: `-r` for `--region`. */
  alias?: string;
  describe: string;
  default?: string | boolean | number;
  choices?: readonly string[];
  /** Parsed, but neither offered by completion nor shown in help (the shims' own --shell, --eval-fd). */
  hidden?: boolean;
  /**
   * A boolean whose default comes from elsewhere (the environment): completion and help offer
   * both --NAME and --no-NAME. (A boolean that defaults to true is offered as --no-NAME only.)
   */
  negatable?: boolean;
  /** The value's name in help: `-r, --region REGION`. Default: the option's name in capitals. */
  value?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  name: string;
  describe: string;
  required?: boolean;
  /** Takes every word left (`exec <profile> [args..]`). */
  variadic?: boolean;
  choices?: readonly string[];
}

export interface CommandTable {
  /** The word after `keyfob`. */
  name: string;
  /** One line, for `keyfob --help`. */
  describe: string;
  positionals: readonly PositionalSpec[];
  options: OptionTable;
  /** Ends every usage error of the lean parser (default: `see: keyfob NAME --help`). */
  hint?: string;
  /** A lean command's help before its options (synopsis lines, what it does); yargs writes its own. */
  usage?: string;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['type'] extends 'number' ? number : string;
/** The parsed options, keyed by their names in the table. */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

export interface ParsedCommandLine<T extends OptionTable> {
  values: OptionValues<T>;
  positionals: string[];
  /** The words after `--`; undefined when there was no `--`. */
  rest?: string[];
  help: boolean;
}

export class UsageError extends KeyfobError {
  constructor(message: string, hint: string) {
    super('Usage', `${message}; ${hint}`);
  }
}

function hintOf(table: CommandTable): string {
  return table.hint ?? `see: keyfob ${table.name} --help`;
}

/** yargs' form of a command: `exec <profile> [args..]`. */
export function commandSpec(table: CommandTable): string {
  const words = table.positionals.map((p) => {
    const name = `${p.name}${p.variadic ? '..' : ''}`;
    return p.required ? `<${name}>` : `[${name}]`;
  });
  return [table.name, ...words].join(' ');
}

/** The flags a user types, as completion offers them: `--region`, `--no-browser`, and `--help`. */
export function tableFlags(table: CommandTable): string[] {
  const flags = new Set<string>(['--help']);
  for (const [name, spec] of Object.entries(table.options)) {
    if (spec.hidden) continue;
    const negation = spec.type === 'boolean' && (spec.default === true || spec.negatable);
    if (negation) flags.add(`--no-${name}`);
    if (!(spec.type === 'boolean' && spec.default === true)) flags.add(`--${name}`);
  }
  return [...flags].sort();
}

/** A lean command's --help: its usage, then its options from the table. */
export function commandHelp(table: CommandTable): string {
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(table.options)) {
    if (spec.hidden) continue;
    const short = spec.alias ? `-${spec.alias}, ` : '';
    const value = spec.type === 'boolean' ? '' : ` ${spec.value ?? name.toUpperCase()}`;
    const long = spec.type === 'boolean' && (spec.default === true || spec.negatable) ? `--[no-]${name}` : `--${name}`;
    const extra = [spec.choices ? `one of: ${spec.choices.join(', ')}` : '', spec.default !== undefined && spec.default !== true ? `default: ${spec.default}` : '']
      .filter(Boolean)
      .join('; ');
    rows.push([`${short}${long}${value}`, extra ? `${spec.describe} (${extra})` : spec.describe]);
  }
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const options = rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
  return `${table.usage ?? `usage: keyfob ${commandSpec(table)}\n${table.describe}\n`}Options:\n${options}\n`;
}

/**
 * Parse a lean command's argv by its table: util.parseArgs behind the adapter described at the
 * top of this file. Throws one usage line; positional counts are the command's to check.
 */
export function parseCommandLine<T extends OptionTable>(table: CommandTable & { options: T }, argv: readonly string[]): ParsedCommandLine<T> {
  const options = table.options;
  const dashDash = argv.indexOf('--');
  const words = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const rest = dashDash < 0 ? undefined : argv.slice(dashDash + 1);
  const result = plainWords(options, words) ?? adapted(table, words);
  for (const [name, spec] of Object.entries(options)) {
    const value = result.values[name];
    if (value === undefined) {
      if (spec.default !== undefined) result.values[name] = spec.default;
      continue;
    }
    if (spec.choices && !spec.choices.includes(String(value))) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}`, hintOf(table));
    }
    if (spec.type === 'number') {
      const number = Number(value);
      if (String(value).trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${name} takes a number, not "${value}"`, hintOf(table));
      result.values[name] = number;
    }
  }
  return { values: result.values as OptionValues<T>, positionals: result.positionals, rest, help: result.help };
}

interface RawParse {
  values: Record<string, string | boolean | number | undefined>;
  positionals: string[];
  help: boolean;
}

/**
 * The shapes the hot paths send (`--profile NAME`, the shim's `--shell bash --eval-fd 3 NAME`):
 * string options as `--NAME VALUE` pairs, then plain words. Read without loading parseArgs, which
 * costs about 1 ms of a Node client's start; anything else goes to adapted().
 */
function plainWords(options: OptionTable, words: readonly string[]): RawParse | undefined {
  const values: RawParse['values'] = {};
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('-'); i += 2) {
    const name = words[i]!.slice(2);
    const value = words[i + 1];
    if (!words[i]!.startsWith('--') || !Object.hasOwn(options, name) || options[name]!.type === 'boolean') return undefined;
    if (value === undefined || value.startsWith('-')) return undefined;
    values[name] = value;
  }
  const positionals = words.slice(i);
  if (positionals.some((word) => word.startsWith('-'))) return undefined;
  return { values, positionals, help: false };
}

function adapted(table: CommandTable, words: readonly string[]): RawParse {
  const options = table.options;
  const negated: Record<string, false> = {};
  const args: string[] = [];
  const shorts = new Map(Object.entries(options).flatMap(([name, spec]) => (spec.alias ? [[spec.alias, name] as const] : [])));
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    const long = word.startsWith('--') ? word.slice(2, eq < 0 ? undefined : eq) : undefined;
    // --no-NAME of a boolean: false, as yargs reads it.
    if (long?.startsWith('no-') && options[long.slice(3)]?.type === 'boolean' && !Object.hasOwn(options, long)) {
      if (eq >= 0) throw new UsageError(`--${long} takes no value`, hintOf(table));
      negated[long.slice(3)] = false;
      continue;
    }
    const name = long ?? (/^-[^-]$/.test(word) ? shorts.get(word[1]!) : undefined);
    const spec = name === undefined || !Object.hasOwn(options, name) ? undefined : options[name];
    if (spec?.type === 'boolean' && long !== undefined && eq >= 0) throw new UsageError(`--${long} takes no value`, hintOf(table));
    // A value in the next word, whatever it starts with: handed to parseArgs as --NAME=VALUE.
    if (spec && spec.type !== 'boolean' && eq < 0) {
      if (i + 1 >= words.length) throw new UsageError(`${word} needs a value`, hintOf(table));
      args.push(`--${name}=${words[++i]}`);
      continue;
    }
    args.push(word);
  }
  const config = {
    args,
    options: {
      ...Object.fromEntries(
        Object.entries(options).map(([name, spec]) => [name, { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.alias ? { short: spec.alias } : {}) }]),
      ),
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  } satisfies ParseArgsConfig;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs(config) as typeof parsed;
  } catch (err) {
    throw parseArgsError(err, hintOf(table));
  }
  const { help, ...values } = parsed.values;
  return { values: { ...values, ...negated }, positionals: parsed.positionals, help: help === true };
}

/** parseArgs' errors as one line: its first sentence, the option named as a user typed it. */
function parseArgsError(err: unknown, hint: string): unknown {
  const code = String((err as { code?: unknown }).code);
  if (!code.startsWith('ERR_PARSE_ARGS')) return err;
  const message = (err as Error).message;
  const option = /'(-[^' ,]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return new UsageError(`unknown option ${option}`, hint);
  const reason = message.split(/\.(?:\s|$)/)[0]!;
  return new UsageError(reason.charAt(0).toLowerCase() + reason.slice(1), hint);
}
