// Headless Chromium (Debian's /usr/bin/chromium) via playwright-core, and a helper that
// signs in on the emulator's pages (password, then MFA when asked) and clicks Allow or Deny.
import { chromium, type Browser, type Page } from 'playwright-core';
import { partsPresent } from './requirePart.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when Chromium is installed; false (the caller skips) where it is not, and throws under CI. */
export const chromiumAvailable = () => partsPresent('chromium');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ApproveOptions {
  username: string;
  password: string;
  /** The 6-digit MFA code, needed when the user has MFA. */
  mfa?: string;
  action: 'allow' | 'deny';
}

/**
 * Opens url (a verificationUriComplete or an /authorize URL), signs in, and answers the consent page.
 * Resolves once the decision is submitted; for PKCE the page then navigates to the redirect_uri.
 */
export async function approveInBrowser(page: Page, url: string, options: ApproveOptions): Promise<void> {
  await page.goto(url);
  // Each step waits for the next page's own elements, so a slow navigation cannot be mistaken for a missing step.
  const next = async (selector: string) => {
    await page.locator(`${selector}, .error`).first().waitFor({ timeout: 15_000 });
    const error = page.locator('.error');
    if (await error.count()) throw new Error(`the emulator's page says: ${(await error.first().textContent())?.trim()}`);
  };
  await next('input[name=username], button#allow');
  if (await page.locator('input[name=username]').count()) {
    await page.fill('input[name=username]', options.username);
    await page.fill('input[name=password]', options.password);
    await page.click('button#signin');
    await next('input[name=mfa], button#allow');
  }
  if (await page.locator('input[name=mfa]').count()) {
    if (!options.mfa) throw new Error('the emulator asks for an MFA code but none was given');
    await page.fill('input[name=mfa]', options.mfa);
    await page.click('button#verify');
    await next('button#allow');
  }
  await page.click(options.action === 'allow' ? 'button#allow' : 'button#deny');
}
