// The sign-ins as the secret store (OS keychain) keeps them: one entry per sso-session, read on
// first use and then kept in memory, written through on every change.
import type { SecretStore } from '../store/index.js';
import type { ClientRegistration, SignInMethod, SsoSessionConfig, SsoToken } from './types.js';

/** What the secret store holds per sso-session (one keychain entry each). */
export interface StoredSignIn {
  startUrl: string;
  region: string;
  token?: SsoToken;
  /** The method whose client registration issued `token`: refresh tokens are bound to that client. */
  tokenMethod?: SignInMethod;
  /** Epoch ms when `token` itself was issued (signedInAt is the first sign-in, kept across refreshes). */
  tokenIssuedAt?: number;
  registrations: Partial<Record<SignInMethod, ClientRegistration>>;
  /** The user opted in to keeping the AWS CLI's token cache file current (`login --export-to-aws-cli`). */
  exportToAwsCli?: boolean;
}

export class SignInStore {
  /** Loaded records by session name; a name that is absent has not been read yet. */
  private readonly records = new Map<string, StoredSignIn | undefined>();

  constructor(private readonly secrets: SecretStore) {}

  /** The stored sign-in under this session name, read from the store once. */
  async load(name: string): Promise<StoredSignIn | undefined> {
    if (!this.records.has(name)) {
      const raw = await this.secrets.get(name);
      // Concurrent first reads: the first to finish wins, so everyone holds the same record
      // (a refresh saves its token only over the record it started from).
      if (!this.records.has(name)) this.records.set(name, raw ? (JSON.parse(raw) as StoredSignIn) : undefined);
    }
    return this.records.get(name);
  }

  /** Every record in memory, by session name. */
  loaded(): IterableIterator<[string, StoredSignIn | undefined]> {
    return this.records.entries();
  }

  /** The record in memory (undefined when none, or not loaded yet). */
  current(name: string): StoredSignIn | undefined {
    return this.records.get(name);
  }

  async save(name: string, stored: StoredSignIn): Promise<void> {
    this.records.set(name, stored);
    await this.secrets.set(name, JSON.stringify(stored));
  }

  async delete(name: string): Promise<void> {
    await this.secrets.delete(name);
    this.records.delete(name);
  }

  /** Throws when the store cannot take a write (a locked keychain). */
  probe(): Promise<void> {
    return this.secrets.probe();
  }
}

export function sameDefinition(stored: StoredSignIn, session: SsoSessionConfig): boolean {
  return stored.startUrl === session.startUrl && stored.region === session.region;
}

/** The client registration that issued the current token (records from before tokenMethod: any live one). */
export function tokenRegistration(stored: StoredSignIn): ClientRegistration | undefined {
  if (stored.tokenMethod) return stored.registrations[stored.tokenMethod];
  return Object.values(stored.registrations).find((r) => r && r.expiresAt > Date.now());
}
