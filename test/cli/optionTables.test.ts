// One option table per command, read three ways: for each lean command (the hot paths, parsed by
// util.parseArgs behind src/core/optionTable.ts's adapter) the same argv gives the same options
// through yargs (the full CLI's command built from the table) and through the adapter; errors are
// one line; and completion offers exactly the flags each command's table (and so yargs) knows.
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli.js';
import type { KeyfobCommand } from '../../src/commands/define.js';
import { parseCommandLine, type CommandTable } from '../../src/core/optionTable.js';
import { completionScript } from '../../src/shellInit/completion.js';

const lean = (name: string): KeyfobCommand => commands.find((command) => command.table.name === name)!;

/** What yargs makes of `keyfob NAME ...argv`: the table's options, and the words (positionals, then what follows --). */
function viaYargs(command: KeyfobCommand, argv: string[]): { values: Record<string, unknown>; words: string[] } | Error {
  let seen: Record<string, unknown> | undefined;
  let failure: Error | undefined;
  yargs([command.table.name, ...argv])
    .command({ ...command, handler: (args: Record<string, unknown>) => void (seen = args) })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => void (failure = err ?? new Error(msg)))
    .parse();
  if (failure || !seen) return failure ?? new Error('no command ran');
  const values = Object.fromEntries(Object.keys(command.table.options).map((name) => [name, seen![name]]));
  const positionals = command.table.positionals.flatMap((p) => (seen![p.name] === undefined ? [] : [seen![p.name]].flat())) as string[];
  return { values, words: [...positionals, ...(seen._ as string[]).slice(1).map(String)] };
}

function viaAdapter(table: CommandTable, argv: string[]): { values: Record<string, unknown>; words: string[] } {
  const parsed = parseCommandLine(table, argv);
  const values = Object.fromEntries(Object.keys(table.options).map((name) => [name, (parsed.values as Record<string, unknown>)[name]]));
  return { values, words: [...parsed.positionals, ...(parsed.rest ?? [])] };
}

const CASES: Record<string, string[][]> = {
  assume: [
    [],
    ['QA/ReadOnlyAccess'],
    ['QA/ReadOnlyAccess', '-r', 'eu-west-1', '-d', '1h'],
    ['--region=eu-west-1', '--duration=90m', 'QA/ReadOnlyAccess'],
    ['-c', 'QA/ReadOnlyAccess', '-s', 's3', '--url'],
    ['--console', '--service=iam', 'QA/ReadOnlyAccess'],
    ['--no-login', 'QA/ReadOnlyAccess'],
    ['--login', 'QA/ReadOnlyAccess'],
    ['--auto-refresh', 'QA/ReadOnlyAccess'],
    ['--no-auto-refresh', 'QA/ReadOnlyAccess'],
    ['--shell', 'fish', '--eval-fd', '3', 'QA/ReadOnlyAccess'],
    ['--shell=zsh', '--eval-fd=4', 'QA/ReadOnlyAccess'],
    ['-u'],
    ['--unset', '--shell', 'powershell'],
    ['--list-profiles'],
    ['-cu'],
    ['QA/ReadOnlyAccess', '--exec', 'aws s3 ls'],
    ['-x', 'true', 'QA/ReadOnlyAccess'],
    ['--exec=-v', 'QA/ReadOnlyAccess'],
    ['QA/ReadOnlyAccess', '--', 'sh', '-c', 'echo --no-login -r x'],
    ['-r', 'us-east-1', 'QA/ReadOnlyAccess', '--', 'true'],
  ],
  exec: [
    ['QA/ReadOnlyAccess'],
    ['QA/ReadOnlyAccess', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'],
    ['-r', 'ap-southeast-2', '-d', '45m', 'QA/ReadOnlyAccess', '--', 'true'],
    ['--duration=1h30m', '--no-login', 'QA/ReadOnlyAccess', '--', 'true'],
    ['--auto-refresh', 'QA/ReadOnlyAccess', '--exec', 'env'],
    ['--no-auto-refresh', '--region=eu-west-1', 'QA/ReadOnlyAccess'],
  ],
  'credential-process': [
    ['--profile', 'QA/ReadOnlyAccess'],
    ['--profile=QA/ReadOnlyAccess'],
    ['--profile', 'QA/ReadOnlyAccess', '--login'],
    ['--login', '--profile=Experiments/AdministratorAccess'],
    ['--no-login', '--profile', 'QA/ReadOnlyAccess'],
    ['--profile=-dash'],
  ],
  'shell-init': [['bash'], ['zsh'], ['fish'], ['powershell']],
};

// Unknown or malformed flags: one line from the adapter, ending in the command's hint; yargs refuses
// too, except where it reads a missing value as '' (which assume's checks then refuse).
const ERRORS: [string, string[], RegExp, boolean?][] = [
  ['assume', ['--bogus', 'QA/ReadOnlyAccess'], /^unknown option --bogus; see: assume --help$/],
  ['assume', ['-z'], /^unknown option -z; see: assume --help$/],
  ['assume', ['--shell', 'tcsh'], /^--shell must be one of bash, zsh, fish, powershell; see: assume --help$/],
  ['exec', ['--console', 'QA/ReadOnlyAccess'], /^unknown option --console; see: assume --help$/],
  ['exec', ['QA/ReadOnlyAccess', '-r'], /^-r needs a value; see: assume --help$/, false],
  ['credential-process', ['--profile', 'X', '--bogus=1'], /^unknown option --bogus; usage: keyfob credential-process --profile NAME \[--login\]$/],
  ['shell-init', ['--bash'], /^unknown option --bash; usage: keyfob shell-init bash\|zsh\|fish\|powershell$/],
];

describe('one option table per command', () => {
  for (const [name, cases] of Object.entries(CASES)) {
    it.each(cases.map((argv) => [argv.join(' ') || '(no words)', argv] as const))(`keyfob ${name} %s: yargs and the adapter agree`, (_, argv) => {
      const command = lean(name);
      const expected = viaYargs(command, [...argv]);
      expect(expected).not.toBeInstanceOf(Error);
      expect(viaAdapter(command.table, [...argv])).toEqual(expected);
    });
  }

  it.each(ERRORS)('keyfob %s %j: one line from the adapter, and yargs refuses too', (name, argv, line, yargsRefuses = true) => {
    const command = lean(name);
    let message = '';
    try {
      parseCommandLine(command.table, argv);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(line);
    expect(message).not.toContain('\n');
    if (yargsRefuses) expect(viaYargs(command, argv)).toBeInstanceOf(Error);
  });

  it('--no-X of a boolean is false, and --no-X=value is refused, the same for every boolean of every table', () => {
    for (const command of commands) {
      for (const [option, spec] of Object.entries(command.table.options)) {
        if (spec.type !== 'boolean') continue;
        const args = command.table.positionals.filter((p) => p.required).map((p) => p.choices?.[0] ?? 'QA/ReadOnlyAccess');
        const parsed = viaYargs(command, [...args, `--no-${option}`]);
        expect(parsed, `${command.table.name} --no-${option}`).not.toBeInstanceOf(Error);
        expect((parsed as { values: Record<string, unknown> }).values[option]).toBe(false);
        expect(parseCommandLine(command.table, [...args, `--no-${option}`]).values[option]).toBe(false);
        expect(() => parseCommandLine(command.table, [`--no-${option}=1`])).toThrow(`--no-${option} takes no value`);
      }
    }
  });

  it('completion offers exactly the flags yargs knows from each table, and their choices', () => {
    const script = completionScript('bash', commands.map((command) => command.table), { ...process.env, PATH: '/usr/bin:/bin' });
    for (const command of commands) {
      const line = new RegExp(`^ {8}${command.table.name}\\) words=\\(([^)]*)\\) ;;$`, 'm').exec(script);
      expect(line, command.table.name).not.toBeNull();
      const offered = line![1]!.split(' ').filter(Boolean);
      // What yargs reads from the command's builder: every key but its own --version, aliases, positionals and hidden options.
      const y = yargs([]);
      (command.builder as (y: unknown) => unknown)(y);
      const options = (y as unknown as { getOptions(): { key: Record<string, boolean>; boolean: string[]; default: Record<string, unknown>; hiddenOptions: string[] } }).getOptions();
      const positionals = command.table.positionals.map((p) => p.name);
      const expected = new Set<string>();
      for (const key of Object.keys(options.key)) {
        if (key === 'version' || key.length === 1 || positionals.includes(key) || options.hiddenOptions.includes(key)) continue;
        const spec = command.table.options[key];
        const trueByDefault = options.boolean.includes(key) && options.default[key] === true;
        if (!trueByDefault) expected.add(`--${key}`);
        if (trueByDefault || spec?.negatable) expected.add(`--no-${key}`);
      }
      expect(offered, command.table.name).toEqual([...expected].sort());
      for (const [option, spec] of Object.entries(command.table.options)) {
        if (!spec.choices || spec.hidden) continue;
        expect(script, `${command.table.name} --${option}`).toContain(`'${command.table.name} --${option}') words=(${spec.choices.join(' ')}) ;;`);
      }
    }
  });
});
