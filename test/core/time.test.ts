// The one time format for people: local time, its zone and what remains, `until 14:05 CET (3h 12m)`.
import { afterEach, describe, expect, it } from 'vitest';
import { localTime, spanText, untilText, zoneName } from '../../src/core/time.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

const NOW = new Date('2026-12-04T10:53:00Z');

describe('untilText', () => {
  it('gives the local time with its zone and the time left', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(untilText('2026-12-04T13:05:00Z', NOW)).toBe('until 14:05 CET (2h 12m)');
    process.env.TZ = 'America/New_York';
    expect(untilText('2026-12-04T13:05:00Z', NOW)).toBe('until 08:05 EST (2h 12m)');
    process.env.TZ = 'UTC';
    expect(untilText('2026-12-04T11:05:00.000Z', NOW)).toBe('until 11:05 UTC (12m)');
  });

  it('names summer time, and falls back to the offset where the zone has no short name', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(zoneName(new Date('2026-07-01T12:00:00Z'))).toBe('CEST');
    process.env.TZ = 'Europe/London';
    expect(zoneName(new Date('2026-07-01T12:00:00Z'))).toBe('BST');
    process.env.TZ = 'Asia/Kolkata';
    expect(zoneName(NOW)).toMatch(/^(IST|GMT\+5:30)$/);
  });

  it('puts the date in front when it is not today, and says when it has passed', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(untilText('2026-12-05T08:00:00Z', NOW)).toBe('until 2026-12-05 09:00 CET (21h 7m)');
    expect(untilText('2026-12-07T10:53:00Z', NOW)).toBe('until 2026-12-07 11:53 CET (3d 0h)');
    expect(untilText('2026-12-04T10:50:00Z', NOW)).toBe('expired at 11:50 CET (3m ago)');
    expect(localTime(new Date('2026-12-04T22:59:00Z'), NOW)).toBe('23:59 CET');
    expect(localTime(new Date('2026-12-04T23:00:00Z'), NOW)).toBe('2026-12-05 00:00 CET');
  });

  it('writes spans in their two largest units', () => {
    expect([spanText(40_000), spanText(60_000), spanText(3_600_000), spanText(11_520_000), spanText(90_000_000), spanText(-5)]).toEqual([
      '40s',
      '1m',
      '1h 0m',
      '3h 12m',
      '1d 1h',
      '0s',
    ]);
  });
});
