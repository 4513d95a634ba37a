// The client's half of another tool's credential_process. The daemon starts no program: when a
// link of a chain is another tool's credential_process and needs refreshing, it answers
// NeedsProcess (428) naming the profile. This client, the process the AWS CLI, an SDK, assume or
// exec started, runs that profile's line from ITS OWN config file (read through the same trust
// check as the daemon's: readOwnFile), as botocore would (ProcessProvider: no shell, this process's
// working directory and environment less AWS credential variables), and asks again once with the
// output in PROCESS_HEADER. One run per profile of a config at a time across clients: a lock beside
// the socket, and a fresh ask once it is held, so 20 cold callers run the program once.
// Loaded from dist only on a NeedsProcess answer: the warm paths never read this file.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { PROCESS_TIMEOUT_MS } from '../../credentials/processOutput.js';
import { toCredentialProcessOutput } from '../../credentials/types.js';
import { ConfigError, KeyfobError } from '../../core/errors.js';
import { configFile, credentialsFile, socketLocation } from '../../core/paths.js';
import { lockWithin } from '../../core/lock.js';
import { PROCESS_HEADER, type ErrorBody, type ProcessOutputHeader } from '../protocol.js';

/** The largest process header sent: the daemon's request head is limited to 16 KiB in all. */
const MAX_HEADER_CHARS = 12 * 1024;

/** How long a client waits while another runs the same program: its bound, and some to spare. */
const WAIT_FOR_OTHER_RUN_MS = PROCESS_TIMEOUT_MS + 15_000;

/** The profile a NeedsProcess answer names; undefined for any other answer. */
/** An answer of the daemon, as connection.ts reads it (written out here: connection.ts loads this module). */
type DaemonResponse = { status: number; body: string };

export function processNeedOf(res: DaemonResponse): string | undefined {
  if (res.status !== 428 || !res.body.includes('"NeedsProcess"')) return undefined;
  try {
    return (JSON.parse(res.body) as ErrorBody).error.processProfile;
  } catch {
    return undefined;
  }
}

/**
 * Answers NeedsProcess for `profile`: `ask` makes the same request again with the headers given.
 * Returns the daemon's answer to the request that carried the output, or to the fresh ask that
 * found another client had sent it.
 */
export async function answerProcessNeed(profile: string, env: NodeJS.ProcessEnv, headers: Record<string, string>, ask: (headers: Record<string, string>) => Promise<DaemonResponse>): Promise<DaemonResponse> {
  const configPath = configFile(env);
  const credentialsPath = credentialsFile(env);
  const lock = join(dirname(socketLocation(env).path), `process-${createHash('sha256').update(`${configPath}\u0000${credentialsPath}\u0000${profile}`).digest('hex').slice(0, 16)}`);
  return oneAtATime(lock, async () => {
    // Another client may have just sent this link's output: run the program only if it is still needed.
    const again = await ask(headers);
    if (processNeedOf(again) !== profile) return again;
    // Only the client that runs it reads the config: the others wait above, then find the link warm.
    const [{ readProfileFiles }, { ProfileResolver }, { ProcessProvider }] = await Promise.all([
      import('../../config/profileFiles.js'),
      import('../../config/profileResolver.js'),
      import('../../credentials/processProvider.js'),
    ]);
    const files = readProfileFiles(configPath, credentialsPath);
    const resolver = new ProfileResolver(files);
    const source = resolver.exists(profile) ? resolver.resolve(profile) : undefined;
    if (source?.kind !== 'process') {
      throw new ConfigError(`the daemon asked for the credential_process of profile "${profile}", and ${files.configPath} gives it none; check AWS_CONFIG_FILE, or add credential_process to that profile`);
    }
    const credentials = await new ProcessProvider({ profile, command: source.command, file: source.file }).retrieve();
    const header: ProcessOutputHeader = { profile, command: source.command, output: toCredentialProcessOutput(credentials) };
    const value = Buffer.from(JSON.stringify(header)).toString('base64');
    // The daemon takes request headers up to 16 KiB (Node's default): real credentials are a few KiB.
    if (value.length > MAX_HEADER_CHARS) throw new KeyfobError('ProcessFailed', `credential_process of profile "${profile}" printed credentials too large to pass to the daemon (${value.length} bytes encoded, at most ${MAX_HEADER_CHARS}); check what it prints`, 502);
    return ask({ ...headers, [PROCESS_HEADER]: value });
  });
}

/** `run` holding the lock file `file` (in the socket's private directory); after WAIT_FOR_OTHER_RUN_MS, without it. */
async function oneAtATime<T>(file: string, run: () => Promise<T>): Promise<T> {
  let lock;
  try {
    lock = await lockWithin(file, { waitMs: WAIT_FOR_OTHER_RUN_MS });
  } catch {
    return run();
  }
  try {
    return await run();
  } finally {
    await lock.release().catch(() => undefined);
  }
}
