// One MFA prompt per device when the code arrives at once (ykman, a password manager): 8 clients
// in one process run the real retry loop (withMfa) and the real per-device lock
// (onePromptPerDevice over core/lock.ts) against a fake daemon, which answers 428 until a code
// was sent, then starts the session once (one GetSessionToken, shared by the requests in flight).
// Its answers take a random few milliseconds, so a client can meet 428 just before another's code
// lands and take the lock just after that client let it go: the window where a client that asks
// at once would ask again. 20 runs, each must ask exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MfaRequiredError } from '../../src/core/errors.js';
import { lockWithin } from '../../src/core/lock.js';
import { onePromptPerDevice, type MfaOutcome } from '../../src/daemon/client/mfaPrompt.js';
import { withMfa } from '../../src/daemon/client/mfaRetry.js';

const SERIAL = 'arn:aws:iam::543210987654:mfa/ci-deployer';
const CLIENTS = 8;
const RUNS = 20;
const dir = mkdtempSync(join(tmpdir(), 'kf-mfa-one-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

/** The daemon's side: a code waits until a request uses it; one GetSessionToken per session. */
class FakeDaemon {
  getSessionTokens = 0;
  private session = false;
  private code?: string;
  private starting?: Promise<void>;

  /** The request travels (a few ms), the daemon decides, and the answer travels back (up to 20 ms: a client's socket, its import of the prompt code). */
  async credentials(): Promise<string> {
    await pause(10);
    const answer = await this.decide();
    await pause(20);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  private async decide(): Promise<string | Error> {
    if (this.session) return 'credentials';
    if (this.starting) {
      await this.starting;
      return 'credentials';
    }
    if (this.code === undefined) return new MfaRequiredError('ci', SERIAL);
    this.code = undefined;
    this.starting = pause(5).then(() => {
      this.getSessionTokens++;
      this.session = true;
    });
    await this.starting;
    return 'credentials';
  }

  async mfa(code: string): Promise<void> {
    await pause(5);
    this.code = code;
  }
}

async function oneRun(run: number): Promise<{ prompts: number; getSessionTokens: number }> {
  const daemon = new FakeDaemon();
  let prompts = 0;
  const lockFile = join(dir, `mfa-${run}`);
  // The instant driver: counts its invocations and answers at once.
  const answer = <T,>(challenge: Error, _profile: string, retry: () => Promise<T>): Promise<MfaOutcome<T>> =>
    onePromptPerDevice((challenge as MfaRequiredError).mfaSerial, {
      lockFile,
      retry,
      ask: async () => {
        prompts++;
        return '123456';
      },
      send: (code) => daemon.mfa(code),
    });
  const answers = await Promise.all(Array.from({ length: CLIENTS }, () => withMfa('ci', () => daemon.credentials(), undefined, answer)));
  expect(answers).toEqual(Array(CLIENTS).fill('credentials'));
  return { prompts, getSessionTokens: daemon.getSessionTokens };
}

describe(`${CLIENTS} clients that need the same MFA session at once, answered instantly`, () => {
  it(`ask once in each of ${RUNS} runs, and start one session`, async () => {
    const results = [];
    for (let run = 0; run < RUNS; run++) results.push(await oneRun(run));
    expect(results.map((r) => r.prompts)).toEqual(Array(RUNS).fill(1));
    expect(results.map((r) => r.getSessionTokens)).toEqual(Array(RUNS).fill(1));
  }, 60_000);

  it('a client that finds the request answered under the lock asks nothing; one that meets another device hands it back; a lock held past the deadline still retries first', async () => {
    let asked = 0;
    const parts = { lockFile: join(dir, 'alone'), ask: async () => (asked++, '1'), send: async () => undefined };
    expect(await onePromptPerDevice(SERIAL, { ...parts, retry: async () => 'ok' })).toEqual({ kind: 'answered', value: 'ok' });
    const other = new MfaRequiredError('ci', 'arn:aws:iam::111111111111:mfa/other');
    expect(await onePromptPerDevice(SERIAL, { ...parts, retry: () => Promise.reject(other) })).toEqual({ kind: 'other' });
    expect(asked).toBe(0);
    const same = new MfaRequiredError('ci', SERIAL);
    expect(await onePromptPerDevice(SERIAL, { ...parts, retry: () => Promise.reject(same) })).toEqual({ kind: 'asked' });
    expect(asked).toBe(1);
    // A lock still held at the deadline (a prompt left open elsewhere): the request is made again first, then asked.
    const held = await lockWithin(join(dir, 'held'), { waitMs: 1_000 });
    try {
      const waiting = { ...parts, lockFile: join(dir, 'held'), waitMs: 200 };
      expect(await onePromptPerDevice(SERIAL, { ...waiting, retry: async () => 'ok' })).toEqual({ kind: 'answered', value: 'ok' });
      expect(asked).toBe(1);
      expect(await onePromptPerDevice(SERIAL, { ...waiting, retry: () => Promise.reject(same) })).toEqual({ kind: 'asked' });
      expect(asked).toBe(2);
    } finally {
      await held.release();
    }
    // Any other error of the retry is the answer.
    await expect(onePromptPerDevice(SERIAL, { ...parts, retry: () => Promise.reject(new Error('daemon gone')) })).rejects.toThrow('daemon gone');
  });
});
