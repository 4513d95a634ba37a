// A command of the full CLI from its option table (src/core/optionTable.ts): yargs reads the
// table's positionals and options, so `keyfob X --help` and the parse are the table's, and
// completion reads the table the command carries.
import type { Argv, CommandModule, Options } from 'yargs';
import { commandSpec, type CommandTable, type OptionSpec, type OptionTable, type OptionValues } from '../core/optionTable.js';

type Positionals<T extends CommandTable> = {
  [P in T['positionals'][number] as P['name']]: P extends { variadic: true } ? string[] : P extends { required: true } ? string : string | undefined;
};

/** What a handler receives: the table's options by name, and its positionals. */
export type CommandArgs<T extends CommandTable> = OptionValues<T['options']> & Positionals<T>;

/** A yargs command that carries its table, for completion. */
export interface KeyfobCommand extends CommandModule<object, any> {
  table: CommandTable;
}

/** The table's options in yargs' words (the keys yargs does not know stay out). */
export function yargsOptions(options: OptionTable): Record<string, Options> {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]: [string, OptionSpec]) => [
      name,
      {
        type: spec.type,
        describe: spec.describe,
        ...(spec.alias ? { alias: spec.alias } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(spec.choices ? { choices: [...spec.choices] } : {}),
        ...(spec.hidden ? { hidden: true } : {}),
      },
    ]),
  );
}

export function defineCommand<T extends CommandTable>(
  table: T,
  handler: (args: CommandArgs<T>) => Promise<void>,
  /** What a table does not say: examples, conflicts. */
  more: (y: Argv) => Argv = (y) => y,
): KeyfobCommand {
  return {
    table,
    command: commandSpec(table),
    describe: table.describe,
    builder: (y: Argv) => {
      for (const p of table.positionals) {
        y.positional(p.name, { type: 'string', describe: p.describe, ...(p.choices ? { choices: [...p.choices] } : {}), ...(p.required ? { demandOption: true } : {}) });
      }
      return more(y.options(yargsOptions(table.options)));
    },
    handler: (args) => handler(args as CommandArgs<T>),
  };
}

/**
 * A lean command (routed past yargs by bin/keyfob.cjs): yargs reads its table for --help and for
 * running dist/cli.js directly, then hands the words after the command's name to its own entry,
 * which parses them by the same table.
 */
export function leanCommand(table: CommandTable, load: () => Promise<(argv: string[]) => Promise<void>>): KeyfobCommand {
  return defineCommand(table, async () => {
    const main = await load();
    await main(process.argv.slice(process.argv.indexOf(table.name) + 1));
  });
}
