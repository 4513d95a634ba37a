// `keyfob list`: every profile of the config and credentials file, as the daemon resolves it.
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { ROUTES, type ProfileListing } from '../daemon/protocol.js';
import { visible } from '../terminalText.js';

export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<ProfileListing[]> {
  return parseAnswer<{ profiles: ProfileListing[] }>(await daemonRequest('GET', ROUTES.profileList, undefined, { env })).profiles;
}

export function formatListing(profiles: ProfileListing[]): string {
  if (!profiles.length) return 'no profiles; run: keyfob populate\n';
  const width = Math.min(48, Math.max(...profiles.map((p) => p.name.length)));
  const lines = profiles.map((p) => {
    const name = p.name.padEnd(width);
    if (p.error) return `${name}  ?         ${p.error}`;
    const expiry = p.expiration ? `  cached until ${new Date(p.expiration).toLocaleString()}` : '';
    return `${name}  ${(p.kind ?? 'sso').padEnd(8)}  ${p.source ?? ''}${expiry}`;
  });
  // Names come from the config: nothing in them may act on the terminal.
  return `${lines.map(visible).join('\n')}\n`;
}
