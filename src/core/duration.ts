// `3600`, `3600s`, `45m`, `1h`, `1h30m` → seconds: how -d/--duration is written for assume, exec
// and the console. No imports but errors.ts: the lean assume backend loads this.
import { KeyfobError } from './errors.js';

export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim();
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(trimmed);
  if (!trimmed || !match) {
    throw new KeyfobError('BadDuration', `${JSON.stringify(text)} is not a duration; give seconds or e.g. 45m, 1h, 1h30m`);
  }
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}
