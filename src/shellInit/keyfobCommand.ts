// How a generated profile (and a shell's shim) names keyfob: the installed `keyfob` command,
// bin/keyfob, the sh front that answers credential_process without starting Node when it can.
// The AWS CLI runs the line without a shell (botocore splits it like shlex) while the JS SDK runs
// it through /bin/sh, so it is an absolute path, quoted the one way both read alike.
import { accessSync, constants, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { installRoot } from '../core/paths.js';
import { quotePosix } from '../render/quote.js';

/** This installation's bin/keyfob (the sh front; bin/keyfob.cjs is the Node entry behind it). */
function ownBin(): string {
  return realpathSync(join(installRoot(), 'bin', 'keyfob'));
}

/**
 * The node running now, noted beside this installation for the sh front, which reads it (with a
 * builtin, no fork) when `node` is not on PATH: IDEs, cron and launchd run the generated line with
 * PATH=/usr/bin:/bin. Outside package.json's `files`, so never packed. Whoever can write there can
 * already rewrite the front itself; a read-only install records nothing, and the front then looks
 * beside its npm prefix and in Homebrew.
 */
export const NODE_NOTE = '.node-path';

function noteNode(): void {
  const note = join(installRoot(), NODE_NOTE);
  const line = `${process.execPath}\n`;
  try {
    if (readFileSync(note, 'utf8') === line) return;
  } catch {
    // not noted yet
  }
  try {
    writeFileSync(note, line, { mode: 0o644 });
  } catch {
    // a read-only install (a root-owned global one): nothing noted
  }
}

/**
 * The path to write: the `keyfob` on PATH when it is this installation (an npm global link
 * survives upgrades), otherwise this installation's bin file itself. Asked whenever a line or a
 * shim naming keyfob is written, which is when the node that runs it is noted too.
 */
export function keyfobExecutable(env: NodeJS.ProcessEnv = process.env): string {
  noteNode();
  const own = ownBin();
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir.startsWith('/')) continue; // a relative PATH entry means nothing to another process
    const candidate = join(dir, 'keyfob');
    try {
      accessSync(candidate, constants.X_OK);
      if (realpathSync(candidate) === own) return candidate;
    } catch {
      // not there, or not this keyfob
    }
  }
  return own;
}

/**
 * The credential_process line of a generated profile: `'/abs/keyfob' credential-process --profile
 * 'NAME'`. Run through the sh front, it is the fast one (curl to a trusted socket, else Node), so
 * there is no other line to choose; the lines earlier keyfobs wrote (`/bin/sh …/credential-process.sh
 * NAME`, `sh -c '…'`, `…/keyfob.cjs credential-process …`) become this at the next populate.
 */
export function credentialProcessLine(executable: string, profileName: string): string {
  return `${quotePosix(executable)} credential-process --profile ${quotePosix(profileName)}`;
}
