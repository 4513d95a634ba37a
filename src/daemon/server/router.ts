// Routes of the daemon's socket API (see ../protocol.ts). Every failure is an error
// response with a one-line message; nothing a client sends can take the daemon down.
// One router per socket: the full socket answers every route, the restricted one (to forward
// with ssh -R, as gpg-agent's extra-socket) only RESTRICTED_ROUTES, for the daemon's own config.
// One room on purpose: every route's input checks and each socket's policy sit in one file, so a
// reader sees at once what either socket accepts and from whom.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failingUpstreams } from '../../aws/circuits.js';
import { listAssignments } from '../../aws/accounts.js';
import { assumedNote, assumeEnvironment, EXPORTED_LIST } from '../../render/environment.js';
import { isAwsRegion } from '../../config/region.js';
import { KeyfobError, MfaRequiredError, NoSessionForPortalError, NotSignedInError, oneLine } from '../../core/errors.js';
import { envScript, noteScript, SHELLS, type Shell } from '../../render/quote.js';
import type { SocketLocation } from '../../core/paths.js';
import type { SessionManager } from '../../signin/sessions.js';
import { DEFAULT_SCOPES, type SignInPrompt, type SsoSessionConfig } from '../../signin/types.js';
import { DURATION_PARAM, ENVIRONMENT_HEADER, MAX_BODY_BYTES, PROCESS_HEADER, ROUTES, type AccountsEvent, type AssumeAnswer, type ContainerToken, type ErrorBody, type LoginEvent } from '../protocol.js';
import { NeedsProcessError, parseProcessOutput } from '../../credentials/processOutput.js';
import { knownError, ndjsonStream, sendJson, sendReadyJson, sendText } from './answers.js';
import type { ConfigCache, ConfigFiles } from './configCache.js';
import type { ContainerEndpoint } from './containerEndpoint.js';
import type { CredentialOptions, CredentialService } from './credentialService.js';
import type { FrecencyStore } from './frecency.js';
import { DAEMON_ID } from './identity.js';
import type { ForwardProfiles } from './forwardProfiles.js';
import type { DaemonLog } from './log.js';

export interface DaemonContext {
  credentials: CredentialService;
  containerEndpoint: ContainerEndpoint;
  frecency: FrecencyStore;
  sessions: SessionManager;
  log: DaemonLog;
  socket: SocketLocation;
  /** The restricted socket beside it (the one to forward). */
  restrictedSocket: string;
  /** The profiles the restricted socket serves (forward_profiles). */
  forwardProfiles: ForwardProfiles;
  keyring: string;
  /** The config file each request names (`config=` in the query), parsed once per change. */
  configs: ConfigFiles;
  startedAt: number;
  shutdown(): void;
}

class BadRequest extends KeyfobError {
  constructor(message: string, status = 400) {
    super('BadRequest', message, status);
  }
}

/** A body refused before it ended (too large, too slow): answered, then the connection is closed, never read on. */
class BodyRefused extends BadRequest {}

/**
 * Everything the restricted socket answers: a credential request for a profile of the daemon's
 * own config (credential_process JSON, what `assume` exports, assume's picker list), and ping.
 * No named files, no input headers, no sign-in, key management, MFA codes, status, auto-refresh
 * tokens or shutdown. Every other route there is refused (Forwarded, 403).
 */
export const RESTRICTED_ROUTES: ReadonlySet<string> = new Set([
  `GET ${ROUTES.ping}`,
  `GET ${ROUTES.credentials}`,
  `GET ${ROUTES.assume}`,
  `GET ${ROUTES.shellAssume}`,
  `GET ${ROUTES.profiles}`,
]);

/** Which socket a router serves. */
export type SocketKind = 'full' | 'restricted';

const RUN_ON_WORKSTATION = 'this socket is for forwarding: run that on the workstation';

/** A refusal on the restricted socket: one line, the reason and the fix. */
class ForwardedError extends KeyfobError {
  constructor(reason: string, fix = RUN_ON_WORKSTATION) {
    super('Forwarded', `${reason}; ${fix}`, 403);
  }
}

/** Inputs only the user's own clients may send: files to read, the caller's keys, another tool's output. */
const FILE_PARAMS = ['config', 'credentials'];
const INPUT_HEADER_PREFIX = 'x-keyfob-';

/** Why the restricted socket will not answer this request, or undefined when it will. */
function forwardRefusal(key: string, query: URLSearchParams, req: IncomingMessage, allowed: ForwardProfiles): ForwardedError | undefined {
  if (!RESTRICTED_ROUTES.has(key)) return new ForwardedError(`${key} is not answered on the restricted socket, which serves credentials only`);
  for (const name of FILE_PARAMS) {
    // An empty value names no file: the sh fast path sends `config=` empty under KEYFOB_NO_START=1.
    if (query.get(name)) {
      return new ForwardedError(`the restricted socket answers from the daemon's own config and takes no "${name}" parameter`, 'this socket is for forwarding: set KEYFOB_NO_START=1 where the client runs, and it sends none');
    }
  }
  const header = Object.keys(req.headers).find((h) => h.startsWith(INPUT_HEADER_PREFIX));
  if (header) return new ForwardedError(`the restricted socket takes no ${header} header (the caller's own keys or another tool's output)`);
  const profile = query.get('profile');
  if (profile !== null && !allowed.allows(profile)) {
    return allowed.problem
      ? new ForwardedError(`the restricted socket serves no profile: ${allowed.problem}`, 'this socket is for forwarding: fix it on the workstation, then run: keyfob daemon stop')
      : new ForwardedError(`profile ${JSON.stringify(profile)} is not in forward_profiles of ${allowed.file}`, 'this socket is for forwarding: add it there on the workstation, then run: keyfob daemon stop');
  }
  return undefined;
}

/**
 * On the restricted socket, an answer that needs the caller (its environment keys, another tool's
 * program, an MFA code typed at a terminal) is a refusal: those inputs come only from the workstation.
 */
function forwardedNeed(err: KeyfobError): KeyfobError {
  if (err.code === 'NeedsEnvironment' || err.code === 'NeedsProcess') {
    return new ForwardedError(`${err.message.replace(/;.*$/, '')}: the restricted socket takes no input from the caller`, 'this socket is for forwarding: use that profile on the workstation');
  }
  if (err instanceof MfaRequiredError) {
    return new ForwardedError(
      `profile ${JSON.stringify(err.mfaProfile)} needs a code from MFA device ${err.mfaSerial}, which is typed on the workstation`,
      `this socket is for forwarding: run keyfob exec ${err.mfaProfile} -- true there, and its session is then served here`,
    );
  }
  return err;
}

/** How often a streamed listing reports progress. */
const PROGRESS_INTERVAL_MS = 100;
/** A request body must arrive within this long: a client that trickles it holds a connection and memory. */
export const BODY_TIMEOUT_MS = 10_000;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (err: BodyRefused) => {
      clearTimeout(timer);
      req.removeAllListeners('data').pause(); // read no more: the connection closes after the answer
      reject(err);
    };
    const timer = setTimeout(
      () => refuse(new BodyRefused(`request body did not arrive within ${BODY_TIMEOUT_MS / 1000} s; send it whole, at once`, 408)),
      BODY_TIMEOUT_MS,
    );
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return refuse(new BodyRefused(`request body is larger than ${MAX_BODY_BYTES} bytes`, 413));
      chunks.push(chunk);
    });
    req.on('close', () => clearTimeout(timer));
    req.on('end', () => {
      clearTimeout(timer);
      if (size === 0) return resolve({});
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        resolve(parsed);
      } catch {
        reject(new BadRequest('request body is not a JSON object'));
      }
    });
    req.on('error', () => reject(new BadRequest('the client hung up before the request ended'))); // not a daemon error: no stack in the log
  });
}

function errorBody(err: KeyfobError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err instanceof NotSignedInError ? { ssoSession: err.ssoSession } : {}),
      ...(err instanceof MfaRequiredError ? { mfaSerial: err.mfaSerial, mfaProfile: err.mfaProfile } : {}),
      ...(err instanceof NoSessionForPortalError ? { startUrl: err.startUrl, ssoRegion: err.ssoRegion } : {}),
      ...(err instanceof NeedsProcessError ? { processProfile: err.processProfile } : {}),
    },
  };
}

/**
 * What a request that answers for a profile adds: `duration=SECONDS` (STS's widest bounds; the
 * role's own are STS's to check), the client's own environment keys in ENVIRONMENT_HEADER, which a
 * client sends only after the daemon asked for them (NeedsEnvironment), and the output of another
 * tool's credential_process the client ran in PROCESS_HEADER, likewise (NeedsProcess).
 */
function credentialOptions(query: URLSearchParams, req: IncomingMessage): CredentialOptions {
  const options: CredentialOptions = {};
  const text = query.get(DURATION_PARAM);
  if (text !== null) {
    const seconds = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
    if (!(seconds >= 900 && seconds <= 129_600)) throw new KeyfobError('BadDuration', `"${DURATION_PARAM}" must be a number of seconds from 900 to 129600, not ${JSON.stringify(text)}`);
    options.durationSeconds = seconds;
  }
  const environment = req.headers[ENVIRONMENT_HEADER];
  if (typeof environment === 'string') options.environment = environmentKeys(environment);
  const processOutput = req.headers[PROCESS_HEADER];
  if (typeof processOutput === 'string') options.process = suppliedOutput(processOutput);
  return options;
}

/** The process header: base64 JSON {profile, command, output}, the output checked as credential_process JSON v1; never logged. */
function suppliedOutput(header: string): NonNullable<CredentialOptions['process']> {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new BadRequest(`${PROCESS_HEADER} must be base64 of a JSON object`);
  }
  const { profile, command, output } = parsed ?? {};
  if (typeof profile !== 'string' || !profile || typeof command !== 'string' || !command || typeof output !== 'object' || output === null) {
    throw new BadRequest(`${PROCESS_HEADER} must carry profile, command and output`);
  }
  const credentials = parseProcessOutput(JSON.stringify(output), (detail) => new BadRequest(`the credential_process output in ${PROCESS_HEADER} ${detail}`));
  return { profile, command, credentials };
}

/** The environment header: base64 JSON of an access key pair (and token), checked for shape, never logged. */
function environmentKeys(header: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new BadRequest(`${ENVIRONMENT_HEADER} must be base64 of a JSON object`);
  }
  const { accessKeyId, secretAccessKey, sessionToken } = parsed ?? {};
  const word = (v: unknown) => typeof v === 'string' && /^[\x21-\x7e]{1,4096}$/.test(v);
  if (!word(accessKeyId) || !word(secretAccessKey) || (sessionToken !== undefined && !word(sessionToken))) {
    throw new BadRequest(`${ENVIRONMENT_HEADER} must carry accessKeyId and secretAccessKey (and sessionToken) as strings`);
  }
  return { accessKeyId: accessKeyId as string, secretAccessKey: secretAccessKey as string, ...(sessionToken ? { sessionToken: sessionToken as string } : {}) };
}

/** An access key pair as `keyfob add` sends it: checked for shape, never logged. */
function iamUserKeys(body: Record<string, unknown>): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = stringField(body, 'accessKeyId');
  const secretAccessKey = stringField(body, 'secretAccessKey');
  if (!accessKeyId || !/^[A-Z0-9]{16,128}$/.test(accessKeyId)) throw new BadRequest('"accessKeyId" must be an access key id, e.g. AKIA…');
  if (!secretAccessKey || !/^[\x21-\x7e]{16,128}$/.test(secretAccessKey)) throw new BadRequest('"secretAccessKey" must be a secret access key (40 characters, no spaces)');
  return { accessKeyId, secretAccessKey };
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value) throw new BadRequest(`"${name}" must be a non-empty string`);
  return value;
}

/**
 * The session a login request names, checked: the region picks the endpoint host the daemon
 * calls, so it must be a region and nothing else.
 */
function loginDefinition(body: Record<string, unknown>): SsoSessionConfig {
  const name = stringField(body, 'ssoSession');
  const startUrl = stringField(body, 'startUrl');
  const region = stringField(body, 'region');
  if (!name || !startUrl || !region) throw new BadRequest('"ssoSession", "startUrl" and "region" are required');
  if (!URL.canParse(startUrl) || !/^https?:$/.test(new URL(startUrl).protocol)) throw new BadRequest('"startUrl" must be an http(s) URL');
  if (!isAwsRegion(region)) throw new BadRequest('"region" must be an AWS region, e.g. eu-west-1');
  const scopes = body.scopes ?? DEFAULT_SCOPES;
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && /^[^\s,]+$/.test(s))) {
    throw new BadRequest('"scopes" must be a non-empty list of scope names');
  }
  return { name, startUrl, region, scopes };
}

/**
 * The hot path's request target: every credential_process call is `GET /v1/credentials?…`. Such a
 * target (no fragment to cut) reads the same without a URL parse: the query is all there is.
 */
const CREDENTIALS_QUERY = `${ROUTES.credentials}?`;

export function createRouter(ctx: DaemonContext, socket: SocketKind = 'full') {
  const restricted = socket === 'restricted';
  /**
   * The config and shared credentials file the caller resolved (`config=`, `credentials=`), parsed
   * once per change; on the restricted socket always the daemon's own (forwardRefusal refuses both).
   */
  const callerFiles = (query: URLSearchParams) => (restricted ? ctx.configs.get(null, null) : ctx.configs.get(query.get('config'), query.get('credentials')));
  const sendText = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** credential_process JSON: the same bytes for every request until the role's credentials change. */
  async function credentials(query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const profile = query.get('profile');
    if (!profile) throw new BadRequest('the "profile" query parameter is required');
    sendReadyJson(res, await ctx.credentials.forProfile(callerFiles(query), profile, credentialOptions(query, req)));
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The request carries the whole session definition: login comes before the config has it.
    const body = (await readBody(req)) as Record<string, unknown>;
    const session = loginDefinition(body);
    const name = session.name;
    const method = body.method === 'pkce' ? 'pkce' : 'device';
    const exportToAwsCli = typeof body.exportToAwsCli === 'boolean' ? body.exportToAwsCli : undefined;
    const send = ndjsonStream<LoginEvent>(res);
    // A client that goes away (Ctrl-C) stops waiting; with no other client waiting, the sign-in stops.
    const gone = new AbortController();
    res.on('close', () => res.writableFinished || gone.abort());
    try {
      const onPrompt = (prompt: SignInPrompt, joined: boolean) => send({ event: 'prompt', ...prompt, ...(joined ? { joined } : {}) });
      const token = await ctx.sessions.login(session, method, onPrompt, { exportToAwsCli, signal: gone.signal });
      ctx.credentials.dropSession(name); // credentials of a previous sign-in may belong to another user
      send({ event: 'signed-in', ssoSession: name, expiresAt: new Date(token.expiresAt).toISOString() });
    } catch (err) {
      const known = err instanceof KeyfobError ? err : new KeyfobError('LoginFailed', `sign-in failed: ${(err as Error).message}`);
      send({ event: 'error', ...errorBody(known) });
    }
    res.end();
  }

  async function accounts(url: URL, res: ServerResponse, config: ConfigCache): Promise<void> {
    const name = url.searchParams.get('ssoSession');
    if (!name) throw new BadRequest('the "ssoSession" query parameter is required');
    const session = ctx.credentials.ssoSession(config, name);
    const accessToken = await ctx.sessions.accessToken(session);
    // A large organisation takes a while at the service's rate limit: stream progress meanwhile.
    const send = ndjsonStream<AccountsEvent>(res);
    let lastProgress = 0;
    try {
      const listed = await listAssignments(session.region, accessToken, {
        ssoSession: session.name,
        onProgress: ({ accountsDone, accountsTotal }) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS && accountsDone !== accountsTotal) return;
          lastProgress = now;
          send({ event: 'progress', accountsDone, ...(accountsTotal === undefined ? {} : { accountsTotal }) });
        },
      });
      send({ event: 'accounts', accounts: listed });
    } catch (err) {
      send({ event: 'error', ...errorBody(knownError(err, ctx.log, 'listing accounts failed')) });
    }
    res.end();
  }

  /** A profile's credentials for `assume` (any route): counts as a use of the profile for the picker's order. */
  async function assume(config: ConfigCache, name: string, options: CredentialOptions = {}): Promise<AssumeAnswer> {
    const answer = await ctx.credentials.assume(config, name, options);
    ctx.frecency.record(name);
    return answer;
  }

  /** The shims' fast path: the same answer as `keyfob assume`, rendered as the script to eval. */
  async function shellAssume(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const shell = url.searchParams.get('shell') ?? '';
      if (!(SHELLS as readonly string[]).includes(shell)) throw new BadRequest(`shell must be one of ${SHELLS.join(', ')}`);
      const name = url.searchParams.get('profile');
      if (!name) throw new BadRequest('the "profile" query parameter is required');
      const answer = await assume(callerFiles(url.searchParams), name, credentialOptions(url.searchParams, req));
      const change = assumeEnvironment(answer, undefined, { [EXPORTED_LIST]: url.searchParams.get('exported') ?? '' });
      sendText(res, 200, envScript(shell as Shell, change.set, change.unset) + noteScript(shell as Shell, assumedNote(answer, undefined)));
    } catch (err) {
      const known = knownError(err, ctx.log, 'shell assume failed');
      sendText(res, known.status, `keyfob: ${oneLine(restricted ? forwardedNeed(known) : known)}\n`);
    }
  }

  async function logout(req: IncomingMessage, res: ServerResponse, config: ConfigCache): Promise<void> {
    const body = (await readBody(req)) as Record<string, unknown>;
    const names = body.all === true ? ctx.credentials.ssoSessionNames(config) : [stringField(body, 'ssoSession') ?? ''];
    if (!names[0] && body.all !== true) throw new BadRequest('"ssoSession" or "all": true is required');
    const loggedOut: string[] = [];
    for (const name of names) {
      if (await ctx.sessions.logout(ctx.credentials.ssoSession(config, name))) loggedOut.push(name);
      ctx.credentials.dropSession(name);
    }
    sendJson(res, 200, { loggedOut });
  }

  async function status(res: ServerResponse, config: ConfigCache): Promise<void> {
    const sessions = [];
    for (const name of ctx.credentials.ssoSessionNames(config)) sessions.push(await ctx.sessions.status(ctx.credentials.ssoSession(config, name)));
    sendJson(res, 200, {
      daemon: {
        pid: process.pid,
        socket: ctx.socket.path,
        restrictedSocket: ctx.restrictedSocket,
        forwardProfiles: ctx.forwardProfiles.problem ? { problem: ctx.forwardProfiles.problem } : (ctx.forwardProfiles.globs ?? null),
        socketFallbackFrom: ctx.socket.fallbackFrom,
        uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        keyring: ctx.keyring,
        configFile: config.path,
        configParses: config.parses,
      },
      sessions,
      credentials: ctx.credentials.cached(),
      chains: ctx.credentials.cachedChains(),
      upstreams: failingUpstreams(),
      // An unusable keychain must not take status (and so `daemon stop`) down with it: sign-in says why.
      iamUsers: await ctx.credentials.iamUsers().catch(() => []),
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!URL.canParse(req.url ?? '/', 'http://keyfob')) throw new BadRequest(`the request target is not a path; see keyfob's docs for the socket API`);
    const url = new URL(req.url ?? '/', 'http://keyfob');
    const key = `${req.method} ${url.pathname}`;
    ctx.log.debug('request', { route: key }); // the route only: query strings carry names, never logged
    if (restricted) {
      const refused = forwardRefusal(key, url.searchParams, req, ctx.forwardProfiles);
      if (refused) {
        ctx.log.debug('refused on the restricted socket', { route: key });
        if (key === `GET ${ROUTES.shellAssume}`) return sendText(res, refused.status, `keyfob: ${oneLine(refused)}\n`);
        throw refused;
      }
    }
    // The caller's config file, resolved by the caller; looked up only by routes that read it.
    const config = () => callerFiles(url.searchParams);
    switch (key) {
      case `GET ${ROUTES.ping}`:
        return sendJson(res, 200, { ok: true, pid: process.pid, id: DAEMON_ID });
      case `GET ${ROUTES.credentials}`:
        return credentials(url.searchParams, req, res);
      case `GET ${ROUTES.accounts}`:
        return accounts(url, res, config());
      case `GET ${ROUTES.profiles}`: {
        const profiles = ctx.credentials.profiles(config());
        return sendJson(res, 200, { profiles: ctx.frecency.order(restricted ? profiles.filter((p) => ctx.forwardProfiles.allows(p.name)) : profiles) });
      }
      case `GET ${ROUTES.assume}`: {
        const name = url.searchParams.get('profile');
        if (!name) throw new BadRequest('the "profile" query parameter is required');
        return sendJson(res, 200, await assume(config(), name, credentialOptions(url.searchParams, req)));
      }
      case `GET ${ROUTES.profileList}`:
        return sendJson(res, 200, { profiles: ctx.credentials.listing(config()) });
      case `POST ${ROUTES.mfa}`: {
        const body = (await readBody(req)) as Record<string, unknown>;
        const profile = stringField(body, 'profile');
        const code = stringField(body, 'code');
        if (!profile || !code) throw new BadRequest('"profile" and "code" are required');
        if (!/^\d{6}$/.test(code)) throw new KeyfobError('MfaFailed', 'an MFA code is 6 digits; type the one your device shows now');
        // `for`: the profile the client asked for first, so the code starts the session that answer needs.
        await ctx.credentials.submitMfaCode(config(), profile, code, stringField(body, 'for') ?? profile, credentialOptions(url.searchParams, req));
        return sendJson(res, 200, { ok: true });
      }
      case `POST ${ROUTES.iamUsers}`: {
        const body = (await readBody(req)) as Record<string, unknown>;
        const profile = stringField(body, 'profile');
        if (!profile) throw new BadRequest('"profile" is required');
        // Keys already stored are replaced only when the request says so (keyfob add --force).
        await ctx.credentials.storeIamUser(profile, iamUserKeys(body), { force: body.force === true });
        return sendJson(res, 200, { stored: true });
      }
      case `POST ${ROUTES.removeIamUser}`: {
        const profile = stringField((await readBody(req)) as Record<string, unknown>, 'profile');
        if (!profile) throw new BadRequest('"profile" is required');
        return sendJson(res, 200, { removed: await ctx.credentials.removeIamUser(profile) });
      }
      case `GET ${ROUTES.shellAssume}`:
        return shellAssume(url, req, res);
      case `POST ${ROUTES.containerTokens}`: {
        const body = (await readBody(req)) as Record<string, unknown>;
        const name = stringField(body, 'profile');
        if (!name) throw new BadRequest('"profile" is required');
        const file = config();
        // Fails now (not signed in…) rather than in the SDK later; another tool's output, when asked for, fills its link.
        const supplied = credentialOptions(url.searchParams, req).process;
        const { profile } = await assume(file, name, supplied ? { process: supplied } : {});
        const answer: ContainerToken = { profile, daemonPid: process.pid, daemonId: DAEMON_ID, ...(await ctx.containerEndpoint.issue(name, file.path, file.credentialsPath)) };
        return sendJson(res, 200, answer);
      }
      case `POST ${ROUTES.revokeContainerToken}`: {
        const token = stringField((await readBody(req)) as Record<string, unknown>, 'token');
        if (!token) throw new BadRequest('"token" is required');
        return sendJson(res, 200, { revoked: ctx.containerEndpoint.revoke(token) });
      }
      case `POST ${ROUTES.login}`:
        return login(req, res);
      case `POST ${ROUTES.logout}`:
        return logout(req, res, config());
      case `GET ${ROUTES.status}`:
        return status(res, config());
      case `POST ${ROUTES.shutdown}`:
        sendJson(res, 200, { ok: true });
        ctx.shutdown();
        return;
      default:
        throw new BadRequest(`no route ${req.method} ${url.pathname}; see keyfob's docs for the socket API`, 404);
    }
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    // The restricted socket takes the checked way (forwardRefusal) for every request.
    const hot = !restricted && req.method === 'GET' && target.startsWith(CREDENTIALS_QUERY) && !target.includes('#');
    if (hot && ctx.log.debugEnabled) ctx.log.debug('request', { route: `GET ${ROUTES.credentials}` });
    (hot ? credentials(new URLSearchParams(target.slice(CREDENTIALS_QUERY.length)), req, res) : route(req, res)).catch((err) => {
      const route = req.url?.split('?')[0];
      const found = knownError(err, ctx.log, `request failed: ${route}`);
      const known = restricted ? forwardedNeed(found) : found;
      if (err instanceof KeyfobError) ctx.log.debug('request refused', { route, code: known.code });
      if (res.headersSent) return void res.end();
      if (err instanceof BodyRefused) {
        res.setHeader('connection', 'close');
        res.once('finish', () => req.socket.destroy());
      }
      // The sh fast paths (shell/fastpath.sh) ask for the one line to print as it is.
      if (req.headers.accept === 'text/plain') return sendText(res, known.status, `keyfob: ${oneLine(known)}\n`);
      sendJson(res, known.status, errorBody(known));
    });
  };
}
