// The console sign-in URL, as a custom identity broker builds it: the role credentials buy a
// sign-in token at the federation endpoint (Action=getSigninToken), and the token goes into an
// Action=login URL that lands on the console. The URL is a bearer secret for the console session
// (15 minutes to redeem): it is returned to the caller and never logged or put in an error.
import { ConfigError, UpstreamError } from '../core/errors.js';
import { consoleEndpoints } from './partitions.js';
import { checkConsoleDuration, consolePath } from './services.js';

export interface ConsoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface ConsoleSigninOptions {
  credentials: ConsoleCredentials;
  /** Picks the partition and the regional endpoints; none means the global ones. */
  region?: string;
  /** A console service (`s3`, `ec2`, …); none lands on the console home. */
  service?: string;
  /** SessionDuration of the console session, 900..43200 s; none keeps the federation endpoint's default. */
  durationSeconds?: number;
  /** Where the console sends someone whose session ended, e.g. the access portal's start URL. */
  issuer?: string;
  /** Read for KEYFOB_FEDERATION_URL. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export const FEDERATION_URL_SETTING = 'KEYFOB_FEDERATION_URL';
const DEFAULT_TIMEOUT_MS = 10_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Where the console lands: `https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1`. */
export function consoleDestination(region?: string, service?: string): string {
  const { consoleOrigin } = consoleEndpoints(region);
  const path = `${consoleOrigin}/${consolePath(service)}/home`;
  return region ? `${path}?region=${region}` : path;
}

/**
 * The federation endpoint for a region, or KEYFOB_FEDERATION_URL (the emulator's /federation).
 * The override receives the secret key, so plain http is allowed on loopback only.
 */
export function federationEndpoint(region?: string, env: NodeJS.ProcessEnv = process.env): URL {
  const override = env[FEDERATION_URL_SETTING];
  if (!override) return new URL(consoleEndpoints(region).federationUrl);
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    throw new ConfigError(`${FEDERATION_URL_SETTING} is not a URL; set it to the full /federation URL, e.g. http://127.0.0.1:PORT/federation`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${FEDERATION_URL_SETTING} must be an https URL (http only on loopback) without query or credentials, e.g. http://127.0.0.1:PORT/federation`);
  }
  return url;
}

/** Action=getSigninToken with the credentials as the Session JSON, and SessionDuration when asked. */
export function signinTokenRequestUrl(federationUrl: URL, credentials: ConsoleCredentials, durationSeconds?: number): URL {
  const url = new URL(federationUrl);
  url.searchParams.set('Action', 'getSigninToken');
  if (durationSeconds !== undefined) url.searchParams.set('SessionDuration', String(checkConsoleDuration(durationSeconds)));
  url.searchParams.set(
    'Session',
    JSON.stringify({ sessionId: credentials.accessKeyId, sessionKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken }),
  );
  return url;
}

/** Action=login: the URL a browser opens to land on the destination as the role. */
export function consoleLoginUrl(federationUrl: URL, login: { signinToken: string; destination: string; issuer?: string }): string {
  const url = new URL(federationUrl);
  url.searchParams.set('Action', 'login');
  if (login.issuer) url.searchParams.set('Issuer', login.issuer);
  url.searchParams.set('Destination', login.destination);
  url.searchParams.set('SigninToken', login.signinToken);
  return url.href;
}

/** Builds the console sign-in URL for the credentials; one getSigninToken call. */
export async function consoleSigninUrl(opts: ConsoleSigninOptions): Promise<string> {
  // Validate everything the user typed before any secret leaves the machine.
  const destination = consoleDestination(opts.region, opts.service);
  const federation = federationEndpoint(opts.region, opts.env);
  const request = signinTokenRequestUrl(federation, opts.credentials, opts.durationSeconds);
  const signinToken = await fetchSigninToken(request, opts.durationSeconds !== undefined, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return consoleLoginUrl(federation, { signinToken, destination, issuer: opts.issuer });
}

async function fetchSigninToken(request: URL, askedDuration: boolean, timeoutMs: number): Promise<string> {
  // Errors name the endpoint by origin only: the request's query carries the secret key.
  const where = `the federation endpoint ${request.origin}`;
  let response: Response;
  try {
    response = await fetch(request, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') {
      throw new UpstreamError(`${where} did not answer within ${timeoutMs / 1000}s; try again, or check ${FEDERATION_URL_SETTING} and your network`, 504);
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UpstreamError(`cannot reach ${where} (${cause?.code ?? cause?.message ?? (err as Error).message}); check your network, or ${FEDERATION_URL_SETTING}`);
  }
  const text = await response.text();
  if (!response.ok) throw refusal(where, response.status, text, askedDuration);
  let token: unknown;
  try {
    token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new UpstreamError(`${where} answered without a SigninToken (HTTP ${response.status}); check ${FEDERATION_URL_SETTING}`);
  }
  return token;
}

function refusal(where: string, status: number, body: string, askedDuration: boolean): UpstreamError {
  let detail = '';
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof message === 'string') detail = `: ${message.replace(/\s+/g, ' ').slice(0, 200)}`;
  } catch {
    // AWS answers some refusals with an HTML page; its status says enough.
  }
  const fix =
    askedDuration && status === 400
      ? 'try again without -d (credentials from a chained role take no SessionDuration)'
      : status === 401 || status === 403
        ? 'the role credentials were not accepted; check them with: aws sts get-caller-identity --profile NAME'
        : 'try again later';
  return new UpstreamError(`${where} refused the sign-in token (HTTP ${status}${detail}); ${fix}`, status >= 500 ? 502 : status);
}
