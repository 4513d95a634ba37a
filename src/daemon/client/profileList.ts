// `keyfob list`: every profile of the config and credentials file, as the daemon resolves it.
import stringWidth from 'string-width';
import { untilText } from '../../core/time.js';
import { visible } from '../../core/terminalText.js';
import { ROUTES, type ProfileListing } from '../protocol.js';
import { daemonRequest, parseAnswer } from './connection.js';

export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<ProfileListing[]> {
  return parseAnswer<{ profiles: ProfileListing[] }>(await daemonRequest('GET', ROUTES.profileList, undefined, { env })).profiles;
}

export function formatListing(profiles: ProfileListing[]): string {
  if (!profiles.length) return 'no profiles; run: keyfob populate\n';
  // Columns by the width the terminal shows (wide and combining characters), of the names as printed.
  const width = Math.min(48, Math.max(...profiles.map((p) => stringWidth(visible(p.name)))));
  const lines = profiles.map((p) => {
    const name = visible(p.name) + ' '.repeat(Math.max(0, width - stringWidth(visible(p.name))));
    if (p.error) return `${name}  ?         ${p.error}`;
    const expiry = p.expiration ? `  cached ${untilText(p.expiration)}` : '';
    return `${name}  ${(p.kind ?? 'sso').padEnd(8)}  ${p.source ?? ''}${expiry}`;
  });
  // Names come from the config: nothing in them may act on the terminal.
  return `${lines.map(visible).join('\n')}\n`;
}
