// The one line an SDK or network failure becomes: each kind of timeout and reset named for what it
// is, since the fix differs (a server that never accepted, one that did not answer, a dropped connection).
import { describe, expect, it } from 'vitest';
import { CLIENT_SETTINGS, upstreamFailure } from '../../src/aws/clients.js';

const failure = (message: string, extra: Record<string, unknown>) => Object.assign(new Error(message), extra);

describe('upstreamFailure', () => {
  it('says "no connection" only for the SDK connection timeout', () => {
    const connect = failure('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.', { name: 'TimeoutError' });
    expect(upstreamFailure(connect, 'getting credentials').message).toMatch(/timed out during getting credentials \(no connection within 3 s\); try again shortly/);
  });

  it('says "no answer" for the request timeout and an idle socket', () => {
    const request = failure('a request has exceeded the configured 6000 ms requestTimeout.', { name: 'TimeoutError', code: 'ETIMEDOUT' });
    const idle = failure('@smithy/node-http-handler - the request socket timed out after 6000 ms of inactivity', { name: 'TimeoutError' });
    for (const err of [request, idle]) expect(upstreamFailure(err, 'getting credentials').message).toMatch(/\(no answer within 6 s\)/);
  });

  it('names a reset connection by its code, though the SDK calls it a TimeoutError', () => {
    const reset = failure('read ECONNRESET', { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(upstreamFailure(reset, 'getting credentials').message).toMatch(/cannot reach IAM Identity Center for getting credentials \(ECONNRESET\)/);
  });

  it('drops idle kept-alive connections before a server would (Node closes its own after 5 s)', () => {
    for (const agent of [CLIENT_SETTINGS.requestHandler.httpAgent, CLIENT_SETTINGS.requestHandler.httpsAgent]) {
      expect(agent.timeout).toBeGreaterThan(0);
      expect(agent.timeout).toBeLessThan(5_000);
    }
  });
});
