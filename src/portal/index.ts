// `keyfob portal`: a local page for every account and role, served by this foreground process (a
// client of the daemon, as the user) until it is stopped. The daemon serves no page.
import { visible } from '../core/terminalText.js';
import { configFile } from '../core/paths.js';
import { browserAtHand, openInBrowser, pickBrowserEnv } from '../signin/browser.js';
import { portalActions } from './actions.js';
import { AccountDirectory, daemonView, snapshot } from './rows.js';
import { startPortalServer } from './server.js';

export interface PortalOptions {
  /** Open the page in the browser (KEYFOB_BROWSER, else the system's); false with --no-browser. */
  browser: boolean;
  json: boolean;
}

export async function runPortal(opts: PortalOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const view = daemonView(env);
  const directory = new AccountDirectory(view);
  const poll = Number(env.KEYFOB_PORTAL_POLL_MS);
  const portal = await startPortalServer({
    load: () => snapshot(view, directory),
    actions: portalActions(env),
    pollMs: poll > 0 ? poll : undefined,
    signIn: async (name) => {
      const { configuredSession } = await import('../config/ssoSessions.js');
      const { loginThroughDaemon } = await import('../daemon/client/login.js');
      await loginThroughDaemon({ session: await configuredSession(name, configFile(env)), env });
    },
  });

  const browserEnv = pickBrowserEnv(env);
  const opening = opts.browser && browserAtHand(browserEnv);
  if (opts.json) process.stdout.write(`${JSON.stringify({ url: portal.url })}\n`);
  else if (opening) process.stderr.write(`keyfob portal: serving ${portal.origin}/ (opened in the browser); Ctrl-C stops it\n`);
  // The link works once: whoever opens it first gets the page, and it is worthless afterwards.
  else process.stderr.write(`keyfob portal: open ${visible(portal.url)} (the link works once); Ctrl-C stops it\n`);
  if (opening) await openInBrowser(portal.url, browserEnv);

  await new Promise<void>((resolve) => {
    // The handlers stay: a library's exit hook (signal-exit, loaded with the lock helper by a sign-in)
    // raises the signal again when it finds itself the last listener, which would kill a clean stop.
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void portal.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
