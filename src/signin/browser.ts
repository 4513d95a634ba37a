// Opening the sign-in page, always in a client (the CLI, as the user), never in the daemon.
// KEYFOB_BROWSER is a command that receives the URL as its argument, or `none` to only print
// it; the default is the `open` package.
import { spawn } from 'node:child_process';
import type { SignInMethod } from './types.js';

/** The bits of the user's environment that decide how a browser is opened. */
export const BROWSER_ENV_KEYS = ['KEYFOB_BROWSER', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY', 'SSH_CONNECTION', 'SSH_TTY'] as const;
export type BrowserEnv = Partial<Record<(typeof BROWSER_ENV_KEYS)[number], string>>;

export function pickBrowserEnv(env: NodeJS.ProcessEnv = process.env): BrowserEnv {
  const picked: BrowserEnv = {};
  for (const key of BROWSER_ENV_KEYS) if (env[key]) picked[key] = env[key];
  return picked;
}

/** A browser is at hand unless told `none`, on SSH, or on Linux without a display. */
export function browserAtHand(env: BrowserEnv): boolean {
  if (env.KEYFOB_BROWSER) return env.KEYFOB_BROWSER !== 'none';
  if (env.SSH_CONNECTION || env.SSH_TTY) return false;
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  return true;
}

export function defaultSignInMethod(env: BrowserEnv, opts: { deviceCode?: boolean; noBrowser?: boolean } = {}): SignInMethod {
  return opts.deviceCode || opts.noBrowser || !browserAtHand(env) ? 'device' : 'pkce';
}

export async function openInBrowser(url: string, env: BrowserEnv): Promise<void> {
  // Only a web page: the URL came from a server, and `open` hands other schemes to other programs.
  if (!browserAtHand(env) || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) return;
  if (env.KEYFOB_BROWSER) {
    // The user's own command line, so a shell runs it; the URL is passed as "$1", never spliced in.
    const child = spawn('/bin/sh', ['-c', `${env.KEYFOB_BROWSER} "$1"`, 'keyfob-browser', url], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    child.on('error', () => undefined);
    child.unref();
    return;
  }
  const { default: open } = await import('open');
  await open(url).catch(() => undefined);
}
