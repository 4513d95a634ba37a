// The keyfob daemon: one per user (per KEYFOB_HOME), serving the socket API on two sockets in
// one private directory, as gpg-agent does: the full socket for the user's own clients, and the
// restricted socket beside it, the one to forward (credentials only; see RESTRICTED_ROUTES).
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { configFile, keyfobHome, logFile, restrictedSocketLocation, socketLocation, type SocketLocation } from '../../core/paths.js';
import { SessionManager } from '../../signin/sessions.js';
import { openSecretStore } from '../../store/index.js';
import { ConfigFiles } from './configCache.js';
import { ContainerEndpoint, forgetSavedTokens } from './containerEndpoint.js';
import { CredentialService } from './credentialService.js';
import { FrecencyStore } from './frecency.js';
import { ensurePrivateDir, HOME_ELSEWHERE, SOCKET_ELSEWHERE } from '../../core/trustedPath.js';
import { acquirePidLock, clearStaleSocket } from './lifecycle.js';
import { loadForwardProfiles } from './forwardProfiles.js';
import { DaemonLog } from './log.js';
import { createRouter } from './router.js';

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv;
  /** Exit after this long without a request (ms); 0 or undefined keeps running. */
  idleTimeoutMs?: number;
  /** Log to stderr instead of KEYFOB_HOME/daemon.log. */
  logToStderr?: boolean;
}

export interface RunningDaemon {
  socket: SocketLocation;
  /** The restricted socket (the one to forward). */
  restrictedSocket: string;
  pid: number;
  /** Resolves when the daemon has stopped (shutdown request, signal, or idle exit). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = opts.env ?? process.env;
  const home = keyfobHome(env);
  // Its state and log must be files nobody else could have planted (a symlink to ~/.bashrc…).
  ensurePrivateDir(home, 'KEYFOB_HOME', HOME_ELSEWHERE);
  const log = new DaemonLog(opts.logToStderr ? undefined : logFile(env), env.KEYFOB_LOG_LEVEL);
  const socket = socketLocation(env);
  ensurePrivateDir(dirname(socket.path), 'the socket directory', SOCKET_ELSEWHERE);
  const restrictedSocket = restrictedSocketLocation(socket.path);
  const releaseLock = acquirePidLock(join(home, 'daemon.pid'), socket.path);
  try {
    await clearStaleSocket(socket.path);
    await clearStaleSocket(restrictedSocket);
  } catch (err) {
    releaseLock();
    throw err;
  }

  const store = await openSecretStore(env);
  const sessions = new SessionManager(store, log);
  const configs = new ConfigFiles(configFile(env));
  const credentials = new CredentialService(sessions, log, undefined, { store });
  const frecency = new FrecencyStore(join(home, 'frecency.json'), {
    onWriteError: (err) => log.warn('could not save frecency.json', { error: String(err) }),
  });
  await frecency.load();
  forgetSavedTokens(home, log);
  const containerEndpoint = new ContainerEndpoint({ forProfile: (profile, config, credentialsFile) => credentials.forProfile(configs.get(config, credentialsFile), profile) }, log);
  const startedAt = Date.now();
  let lastActivity = startedAt;
  let inFlight = 0;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      log.info('daemon stopping', { pid: process.pid });
      clearInterval(idleTimer);
      sessions.close();
      credentials.close();
      let open = servers.length;
      for (const server of servers) {
        server.close(() => --open === 0 && resolve());
        server.closeIdleConnections();
        // Streaming sign-ins must not hold shutdown hostage.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }
    })
      .then(async () => {
        await containerEndpoint.close();
        await frecency.flush().catch((err: Error) => log.warn('could not save frecency', { error: err.message }));
        rmSync(socket.path, { force: true });
        rmSync(restrictedSocket, { force: true });
      })
      // Shutdown is fire-and-forget (signals, idle timer): a failed step is logged, and the lock is released anyway.
      .catch((err: Error) => log.warn('shutdown did not finish cleanly', { error: err?.message ?? String(err) }))
      .finally(() => {
        releaseLock();
        resolveClosed();
      }));

  const forwardProfiles = loadForwardProfiles(env);
  if (forwardProfiles.problem) log.warn('the restricted socket serves no profile', { problem: forwardProfiles.problem });
  const context = {
    credentials,
    containerEndpoint,
    frecency,
    sessions,
    log,
    socket,
    restrictedSocket,
    forwardProfiles,
    keyring: store.kind,
    configs,
    startedAt,
    shutdown: () => void close(),
  };
  const serve = (router: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
      inFlight++;
      lastActivity = Date.now();
      res.on('close', () => {
        inFlight--;
        lastActivity = Date.now();
      });
      router(req, res);
    });
    // Bounded waits for slow or broken clients (slow-loris): headers within 10 s, a body the route
    // reads within BODY_TIMEOUT_MS more (router.ts; then 408 and close), any request within 30 s.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.on('clientError', (_err, sock) => {
      if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else sock.destroy();
    });
    return server;
  };
  const server = serve(createRouter(context, 'full'));
  const restrictedServer = serve(createRouter(context, 'restricted'));
  const servers = [server, restrictedServer];

  // The sockets are created 0600: no window in which another user could connect.
  const oldMask = process.umask(0o177);
  try {
    for (const [each, path] of [[server, socket.path], [restrictedServer, restrictedSocket]] as const) {
      await new Promise<void>((resolve, reject) => {
        each.once('error', reject);
        each.listen(path, () => resolve());
      });
    }
  } catch (err) {
    server.close();
    rmSync(socket.path, { force: true });
    releaseLock();
    throw err;
  } finally {
    process.umask(oldMask);
  }
  chmodSync(socket.path, 0o600);
  chmodSync(restrictedSocket, 0o600);

  const idleTimer = setInterval(() => {
    // Live auto-refresh tokens mean SDKs will call the loopback endpoint: stay up for them.
    if (opts.idleTimeoutMs && inFlight === 0 && containerEndpoint.liveTokens === 0 && Date.now() - lastActivity > opts.idleTimeoutMs) {
      log.info('idle timeout reached', { idleTimeoutMs: opts.idleTimeoutMs });
      void close();
    }
  }, Math.max(250, Math.min(opts.idleTimeoutMs || 60_000, 60_000) / 4));
  idleTimer.unref();

  // The daemon keeps no working directory of whichever client started it (a shared /tmp…): every
  // path it uses is absolute by now, and nothing it does may depend on where it was started.
  process.chdir('/');
  log.info('daemon started', { pid: process.pid, socket: socket.path, restrictedSocket, keyring: store.kind, configFile: configs.fallback });
  return { socket, restrictedSocket, pid: process.pid, closed, close };
}
