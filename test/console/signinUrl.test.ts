// The console sign-in URL without a daemon: partitions and endpoints, the destination for a
// service, the getSigninToken request and the login URL, and a federation endpoint's refusals
// (a small local HTTP server stands in for it, so the real fetch path runs).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleEndpoints, partitionOf } from '../../src/console/partitions.js';
import { consolePath, parseConsoleDuration } from '../../src/console/services.js';
import {
  consoleDestination,
  consoleLoginUrl,
  consoleSigninUrl,
  federationEndpoint,
  signinTokenRequestUrl,
} from '../../src/console/signinUrl.js';
import { oneLineError } from '../helpers/oneLineError.js';

const credentials = { accessKeyId: 'ASIAEXAMPLEKEY', secretAccessKey: 'secret/Key+with=chars', sessionToken: 'session-token-value' };


describe('partitions and endpoints', () => {
  it('chooses the partition from the region', () => {
    expect(partitionOf(undefined)).toBe('aws');
    expect(partitionOf('eu-west-1')).toBe('aws');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('cn-northwest-1')).toBe('aws-cn');
    expect(oneLineError(() => partitionOf('us-iso-east-1'))).toMatch(/no public federation endpoint; pick another region with -r/);
  });

  it('uses regional sign-in and console hosts in the aws partition', () => {
    expect(consoleEndpoints('eu-west-1')).toEqual({
      partition: 'aws',
      federationUrl: 'https://eu-west-1.signin.aws.amazon.com/federation',
      consoleOrigin: 'https://eu-west-1.console.aws.amazon.com',
    });
    // us-east-1's regional sign-in endpoint is the global host.
    expect(consoleEndpoints('us-east-1').federationUrl).toBe('https://signin.aws.amazon.com/federation');
    expect(consoleEndpoints(undefined)).toEqual({
      partition: 'aws',
      federationUrl: 'https://signin.aws.amazon.com/federation',
      consoleOrigin: 'https://console.aws.amazon.com',
    });
  });

  it('uses the GovCloud and China hosts', () => {
    expect(consoleEndpoints('us-gov-west-1')).toMatchObject({
      federationUrl: 'https://signin.amazonaws-us-gov.com/federation',
      consoleOrigin: 'https://console.amazonaws-us-gov.com',
    });
    expect(consoleEndpoints('cn-north-1')).toMatchObject({
      federationUrl: 'https://signin.amazonaws.cn/federation',
      consoleOrigin: 'https://console.amazonaws.cn',
    });
  });

  it('refuses a region that is not a hostname label', () => {
    for (const bad of ['evil.com/x', 'eu-west-1.attacker.net', 'EU-WEST-1', 'eu west 1']) {
      expect(oneLineError(() => consoleEndpoints(bad))).toMatch(/is not an AWS region; give one like eu-west-1 with -r/);
    }
  });
});

describe('destination', () => {
  it('lands on the service in the region, or on the console home', () => {
    expect(consoleDestination('eu-west-1', 's3')).toBe('https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1');
    expect(consoleDestination('eu-west-1')).toBe('https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
    expect(consoleDestination(undefined, 'iam')).toBe('https://console.aws.amazon.com/iam/home');
    expect(consoleDestination(undefined)).toBe('https://console.aws.amazon.com/console/home');
    expect(consoleDestination('us-gov-west-1', 'ec2')).toBe('https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1');
    expect(consoleDestination('cn-north-1', 'EC2')).toBe('https://console.amazonaws.cn/ec2/home?region=cn-north-1');
  });

  it('maps short names to console paths', () => {
    expect(consolePath('cfn')).toBe('cloudformation');
    expect(consolePath('ddb')).toBe('dynamodbv2');
    expect(consolePath('sfn')).toBe('states');
    expect(consolePath('lambda')).toBe('lambda');
    expect(consolePath(undefined)).toBe('console');
  });

  it('refuses a service that is not a simple word', () => {
    for (const bad of ['s3/../iam', 's3?x=1', 'ec2#', 'a b', '$(touch x)', 'x'.repeat(65), 'é']) {
      expect(oneLineError(() => consolePath(bad))).toMatch(/is not a console service name; give a word of letters, digits and -/);
    }
  });
});

describe('durations', () => {
  it('parses seconds and h/m forms within 15m..12h', () => {
    expect(parseConsoleDuration('900')).toBe(900);
    expect(parseConsoleDuration('3600s')).toBe(3600);
    expect(parseConsoleDuration('90m')).toBe(5400);
    expect(parseConsoleDuration('12h')).toBe(43_200);
    expect(parseConsoleDuration('1h30m')).toBe(5400);
  });

  it('reports a duration the console does not allow', () => {
    expect(oneLineError(() => parseConsoleDuration('899'))).toMatch(/a console session lasts 900 to 43200 seconds \(15m to 12h\), not 899/);
    expect(oneLineError(() => parseConsoleDuration('13h'))).toMatch(/not 46800/);
    expect(oneLineError(() => parseConsoleDuration('soon'))).toMatch(/is not a duration/);
    expect(oneLineError(() => signinTokenRequestUrl(new URL('https://x/federation'), credentials, 60))).toMatch(/not 60/);
  });
});

describe('request and login URLs', () => {
  it('sends the credentials as the Session JSON, with SessionDuration when asked', () => {
    const url = signinTokenRequestUrl(new URL('https://eu-west-1.signin.aws.amazon.com/federation'), credentials, 3600);
    expect(url.origin + url.pathname).toBe('https://eu-west-1.signin.aws.amazon.com/federation');
    expect(url.searchParams.get('Action')).toBe('getSigninToken');
    expect(url.searchParams.get('SessionDuration')).toBe('3600');
    expect(JSON.parse(url.searchParams.get('Session')!)).toEqual({
      sessionId: credentials.accessKeyId,
      sessionKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    });
    expect(signinTokenRequestUrl(new URL('https://signin.aws.amazon.com/federation'), credentials).searchParams.has('SessionDuration')).toBe(false);
  });

  it('builds Action=login with Issuer, Destination and SigninToken', () => {
    const url = new URL(
      consoleLoginUrl(new URL('https://signin.amazonaws.cn/federation'), {
        signinToken: 'tok+en/=',
        destination: 'https://console.amazonaws.cn/s3/home?region=cn-north-1',
        issuer: 'https://d-123.awsapps.com/start',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://signin.amazonaws.cn/federation');
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Issuer')).toBe('https://d-123.awsapps.com/start');
    expect(url.searchParams.get('Destination')).toBe('https://console.amazonaws.cn/s3/home?region=cn-north-1');
    expect(url.searchParams.get('SigninToken')).toBe('tok+en/=');
  });

  it('takes KEYFOB_FEDERATION_URL over the partition, https or loopback http only', () => {
    const env = (value: string) => ({ KEYFOB_FEDERATION_URL: value });
    expect(federationEndpoint('eu-west-1', env('http://127.0.0.1:4567/federation')).href).toBe('http://127.0.0.1:4567/federation');
    expect(federationEndpoint('eu-west-1', env('https://broker.example.com/federation')).href).toBe('https://broker.example.com/federation');
    for (const bad of ['http://example.com/federation', 'not a url', 'https://x/federation?Action=login', 'https://u:p@x/federation']) {
      expect(oneLineError(() => federationEndpoint('eu-west-1', env(bad)))).toMatch(/KEYFOB_FEDERATION_URL/);
    }
  });
});

describe('consoleSigninUrl against a federation endpoint', () => {
  let server: Server;
  let base: string;
  const seen: URL[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(new URL(req.url!, 'http://127.0.0.1'));
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const reply = (status: number, body: string) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  };

  it('trades the credentials for a token and returns the login URL', async () => {
    answer = reply(200, JSON.stringify({ SigninToken: 'the-token' }));
    seen.length = 0;
    const url = new URL(
      await consoleSigninUrl({
        credentials,
        region: 'us-gov-west-1',
        service: 'cloudtrail',
        durationSeconds: 7200,
        issuer: 'https://portal.example/start',
        env: { KEYFOB_FEDERATION_URL: base },
      }),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0].searchParams.get('Action')).toBe('getSigninToken');
    expect(seen[0].searchParams.get('SessionDuration')).toBe('7200');
    expect(JSON.parse(seen[0].searchParams.get('Session')!).sessionKey).toBe(credentials.secretAccessKey);
    expect(url.href.startsWith(`${base}?`)).toBe(true);
    expect(url.searchParams.get('SigninToken')).toBe('the-token');
    expect(url.searchParams.get('Destination')).toBe('https://console.amazonaws-us-gov.com/cloudtrail/home?region=us-gov-west-1');
    // The login URL carries only the token, never the credentials.
    expect(url.href).not.toContain(encodeURIComponent(credentials.secretAccessKey));
    expect(url.href).not.toContain(credentials.sessionToken);
  });

  it('refuses a bad service before any secret is sent', async () => {
    seen.length = 0;
    await expect(consoleSigninUrl({ credentials, service: '../x', env: { KEYFOB_FEDERATION_URL: base } })).rejects.toThrow(/not a console service name/);
    expect(seen).toHaveLength(0);
  });

  it('reports a refused SessionDuration and names -d, without the secret', async () => {
    answer = reply(400, JSON.stringify({ message: 'Invalid credentials parameter' }));
    const err = (await consoleSigninUrl({ credentials, durationSeconds: 43_200, env: { KEYFOB_FEDERATION_URL: base } }).catch((e) => e)) as Error;
    expect(err.message).toMatch(/^the federation endpoint http:\/\/127\.0\.0\.1:\d+ refused the sign-in token \(HTTP 400: Invalid credentials parameter\); try again without -d/);
    expect(err.message).not.toContain(credentials.secretAccessKey);
    expect(err.message).not.toContain('\n');
  });

  it('reports refused credentials and a missing token in one line', async () => {
    answer = reply(403, '<html>denied</html>');
    await expect(consoleSigninUrl({ credentials, env: { KEYFOB_FEDERATION_URL: base } })).rejects.toThrow(
      /refused the sign-in token \(HTTP 403\); the role credentials were not accepted/,
    );
    answer = reply(200, '{}');
    await expect(consoleSigninUrl({ credentials, env: { KEYFOB_FEDERATION_URL: base } })).rejects.toThrow(/answered without a SigninToken/);
  });

  it('gives up on a silent endpoint after the timeout', async () => {
    answer = () => undefined; // never answers
    await expect(consoleSigninUrl({ credentials, env: { KEYFOB_FEDERATION_URL: base }, timeoutMs: 300 })).rejects.toThrow(
      /did not answer within 0\.3s; try again, or check KEYFOB_FEDERATION_URL/,
    );
  });

  it('names an unreachable endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(consoleSigninUrl({ credentials, env: { KEYFOB_FEDERATION_URL: `http://127.0.0.1:${port}/federation` } })).rejects.toThrow(
      /cannot reach the federation endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check your network, or KEYFOB_FEDERATION_URL/,
    );
  });
});
