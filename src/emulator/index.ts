// The library entry: startEmulator() runs an offline IAM Identity Center on one loopback port.
import type { AddressInfo } from 'node:net';
import { defaultFixture, DEMO_IAM_USER, DEMO_USER } from './defaultFixture.js';
import { type Fixture, generateOrganization, loadFixtureFile, type Organization, resolveFixture } from './fixture.js';
import { createEmulatorServer } from './server.js';
import { EmulatorState } from './state.js';

export interface EmulatorOptions {
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A fixture object, or the path of a fixture JSON file. Default: the built-in organisation. */
  fixture?: Fixture | string;
  /** Approve every device authorization and PKCE authorize at once, as the fixture's first user. */
  autoApprove?: boolean;
  /** Requests per second, per operation (token bucket). */
  rateLimit?: number;
  /** Seconds an SSO access token lives. */
  tokenTtl?: number;
  /** Seconds role credentials live; overrides permission-set durations when set. */
  credentialTtl?: number;
  /** Seconds a portal session (and so its refresh token) lives. */
  sessionTtl?: number;
  /** Seconds the emulated server's clock is ahead of this machine's (negative: behind), to test clock skew. */
  clockSkewSeconds?: number;
  /** Generate a large organisation with this many accounts. */
  accounts?: number;
  /** Generate this many permission sets, each assigned on every account. */
  rolesPerAccount?: number;
  log?: (line: string) => void;
}

export interface RunningEmulator {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  startUrl: string;
  region: string;
  /** The fixture being served (after --accounts / --roles-per-account generation). */
  fixture: Fixture;
  org: Organization;
  state: EmulatorState;
  close(): Promise<void>;
}

export { defaultFixture, DEMO_IAM_USER, DEMO_USER };
export type { Fixture };

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of seconds`);
  return value;
}

function skewSeconds(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value)) throw new RangeError('clockSkewSeconds must be a number of seconds');
  return value;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  let fixture = typeof options.fixture === 'string' ? loadFixtureFile(options.fixture) : (options.fixture ?? defaultFixture());
  if (options.accounts !== undefined || options.rolesPerAccount !== undefined)
    fixture = generateOrganization(fixture, options.accounts, options.rolesPerAccount);
  const org = resolveFixture(fixture);
  const host = options.host ?? '127.0.0.1';
  const state = new EmulatorState(
    org,
    {
      url: '',
      autoApprove: Boolean(options.autoApprove),
      accessTokenSeconds: positive(options.tokenTtl, 'tokenTtl') ?? org.lifetimes.accessTokenSeconds,
      sessionSeconds: positive(options.sessionTtl, 'sessionTtl') ?? org.lifetimes.sessionSeconds,
      credentialSeconds: positive(options.credentialTtl, 'credentialTtl'),
      clockSkewMs: skewSeconds(options.clockSkewSeconds) * 1000,
      log: options.log ?? (() => {}),
    },
    options.rateLimit,
  );
  const server = createEmulatorServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  state.settings.url = `http://${urlHost}:${port}`;
  const sweeper = setInterval(() => state.sweep(), 60_000);
  sweeper.unref();
  let closing: Promise<void> | undefined;
  return {
    url: state.settings.url,
    startUrl: org.startUrl,
    region: org.region,
    fixture,
    org,
    state,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
