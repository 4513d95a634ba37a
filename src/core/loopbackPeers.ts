// Who is at the other end of a loopback TCP connection? Linux lists every TCP socket with its
// owner's uid in /proc/net/tcp (what identd answers from). The auto-refresh endpoint uses it to
// close another user's connections first when a flood fills its table. Elsewhere (macOS, no /proc)
// the answer is undefined and the caller falls back to age.
import { readFileSync } from 'node:fs';

/**
 * Maps the client port of each IPv4 connection to `serverPort` to the uid owning the client's socket,
 * or undefined when the kernel does not say.
 */
export function loopbackPeerUids(serverPort: number, table = '/proc/net/tcp'): Map<number, number> | undefined {
  let text: string;
  try {
    text = readFileSync(table, 'latin1');
  } catch {
    return undefined;
  }
  const uids = new Map<number, number>();
  const server = serverPort.toString(16).toUpperCase().padStart(4, '0');
  // "sl local_address rem_address st tx:rx tr:when retrnsmt uid ...": the client's row has the server as its remote end.
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || !fields[2]!.endsWith(`:${server}`)) continue;
    const clientPort = Number.parseInt(fields[1]!.slice(fields[1]!.indexOf(':') + 1), 16);
    const uid = Number(fields[7]);
    if (Number.isInteger(clientPort) && Number.isInteger(uid)) uids.set(clientPort, uid);
  }
  return uids;
}
