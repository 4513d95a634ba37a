// How a generated profile names keyfob in credential_process. The AWS CLI runs that line
// without a shell (botocore splits it like shlex) while the JS SDK runs it through /bin/sh,
// so it is an absolute path, quoted the one way both read alike.
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { installRoot } from '../paths.js';
import { quotePosix } from './quote.js';

/** This installation's bin/keyfob.cjs. */
function ownBin(): string {
  return realpathSync(join(installRoot(), 'bin', 'keyfob.cjs'));
}

/**
 * The path to write: the `keyfob` on PATH when it is this installation (an npm global link
 * survives upgrades), otherwise this installation's bin file itself.
 */
export function keyfobExecutable(env: NodeJS.ProcessEnv = process.env): string {
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
 * The credential_process line of a generated profile. With `fastPath` (populate --fast-path) it
 * runs shell/credential-process.sh, which asks the daemon's socket with curl once the socket
 * passes the trust check, so a warm call starts no Node process, and hands everything else to the
 * Node client. botocore splits the line like shlex and the JS SDK runs it through /bin/sh; an
 * absolute path quoted this way reads the same both ways.
 */
export function credentialProcessLine(executable: string, profileName: string, fastPath = false): string {
  if (!fastPath) return `${quotePosix(executable)} credential-process --profile ${quotePosix(profileName)}`;
  return `/bin/sh ${quotePosix(join(installRoot(), 'shell', 'credential-process.sh'))} ${quotePosix(profileName)}`;
}
