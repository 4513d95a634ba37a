// One time format for people, everywhere keyfob prints a time (assume's note, login, status, list):
// the local time with its zone and what remains, `until 14:05 CET (3h 12m)`, with the date in front
// when it is not today. `--json` output gives ISO 8601 (Date#toISOString) instead.
// The zone's name needs ICU (tens of ms to load once): the daemon, which renders assume's note for
// the shims, pays it once; the Node assume backend pays it per run, off the warm path.

const pad = (n: number) => String(n).padStart(2, '0');

let zoneFormat: { tz: string | undefined; format: Intl.DateTimeFormat; fallback: Intl.DateTimeFormat } | undefined;

/** The local zone's short name at `date` ("CET", "CEST", "EST", "UTC"), else its offset ("GMT+5:30"). */
export function zoneName(date: Date): string {
  // Node follows a change of TZ at run time; so does this.
  if (!zoneFormat || zoneFormat.tz !== process.env.TZ) {
    zoneFormat = {
      tz: process.env.TZ,
      // CLDR's short names depend on the locale: en-US knows America's, en-GB Europe's.
      format: new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }),
      fallback: new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' }),
    };
  }
  const { format, fallback } = zoneFormat;
  const name = (f: Intl.DateTimeFormat) => f.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const first = name(format);
  if (!/^GMT[+-]/.test(first)) return first || 'UTC';
  const second = name(fallback);
  return /^(GMT|UTC)[+-]/.test(second) || !second ? first : second;
}

/** "14:05 CET", or "2026-12-05 14:05 CET" when that is not today (local days). */
export function localTime(date: Date, now: Date = new Date()): string {
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())} ${zoneName(date)}`;
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** "3h 12m", "12m", "40s", "2d 3h": a span in its two largest units. */
export function spanText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** "until 14:05 CET (3h 12m)"; once past, "expired at 14:05 CET (3m ago)". */
export function untilText(expiry: Date | string | number, now: Date = new Date()): string {
  const date = new Date(expiry);
  const left = date.getTime() - now.getTime();
  return left >= 0 ? `until ${localTime(date, now)} (${spanText(left)})` : `expired at ${localTime(date, now)} (${spanText(-left)} ago)`;
}
