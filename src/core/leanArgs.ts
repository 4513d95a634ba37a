// Argument parsing for the lean commands (credential-process, assume, exec, shell-init), which
// must not load yargs: node's util.parseArgs, with its errors turned into one usage line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KeyfobError } from './errors.js';

export function parseLeanArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw err;
    // Its first sentence ("Unknown option '--x'"); the rest is advice about `--` that does not fit here.
    const reason = (err as Error).message.split(/\.(?:\s|$)/)[0]!;
    const lowered = reason.charAt(0).toLowerCase() + reason.slice(1);
    throw new KeyfobError('Usage', `${lowered}; usage: ${usage}`);
  }
}
