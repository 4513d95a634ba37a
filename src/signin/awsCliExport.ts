// The opt-in export of a sign-in to the AWS CLI's token cache (`login --export-to-aws-cli`):
// writing the current token there, removing a file keyfob wrote, and taking over a token the
// AWS CLI refreshed itself from that file.
import { readAwsCliToken, removeAwsCliToken, writeAwsCliToken } from './awsCliCache.js';
import { tokenRegistration, type StoredSignIn } from './signInStore.js';
import type { ClientRegistration, Logger, SsoSessionConfig, SsoToken } from './types.js';

export class AwsCliExport {
  constructor(
    /** ~/.aws/sso/cache of the HOME the daemon sees. */
    private readonly cacheDir: string,
    private readonly log: Logger,
  ) {}

  /** Writes the current token to the AWS CLI's cache when the user opted in. */
  async write(session: SsoSessionConfig, stored: StoredSignIn): Promise<void> {
    const reg = tokenRegistration(stored);
    if (!stored.exportToAwsCli || !stored.token || !reg) return;
    await writeAwsCliToken(this.cacheDir, session, stored.token, reg);
    this.log.info('wrote the AWS CLI token cache', { session: session.name });
  }

  /**
   * Removes the AWS CLI's cache file, but only one keyfob wrote (its client id is one of ours):
   * a file from the user's own `aws sso login` is left alone.
   */
  async remove(session: SsoSessionConfig, stored: StoredSignIn | undefined): Promise<boolean> {
    const cached = await readAwsCliToken(this.cacheDir, session.name);
    if (!cached?.clientId || !Object.values(stored?.registrations ?? {}).some((r) => r?.clientId === cached.clientId)) return false;
    return removeAwsCliToken(this.cacheDir, session.name);
  }

  /** The same, where failing must not fail the caller (a sign-out, a replaced sign-in): logged instead. */
  async removeOrWarn(session: SsoSessionConfig, stored: StoredSignIn | undefined): Promise<void> {
    await this.remove(session, stored).catch((err) =>
      this.log.warn('removing the AWS CLI token cache failed', { session: session.name, error: (err as Error).message }),
    );
  }

  /**
   * The AWS CLI refreshes the exported token itself (it has the refresh token), and the server
   * rotates refresh tokens: before refreshing, take over a newer token it left in the file.
   */
  async adoptRefresh(session: SsoSessionConfig, stored: StoredSignIn, reg: ClientRegistration): Promise<SsoToken | undefined> {
    const token = stored.token;
    if (!stored.exportToAwsCli || !token) return undefined;
    const cached = await readAwsCliToken(this.cacheDir, session.name);
    if (!cached || cached.clientId !== reg.clientId || cached.startUrl !== session.startUrl || cached.accessToken === token.accessToken) return undefined;
    const expiresAt = Date.parse(cached.expiresAt);
    // Our own writes round down to the second, so only a strictly later expiry is the CLI's refresh.
    if (!(expiresAt > token.expiresAt)) return undefined;
    return { accessToken: cached.accessToken, expiresAt, refreshToken: cached.refreshToken ?? token.refreshToken, signedInAt: token.signedInAt };
  }
}
