// IAM users' long-term keys (`keyfob add`), kept in the secret store and nowhere else: one entry a
// profile (`iam-user:PROFILE`, JSON), and an index of those profiles (`iam-users`), because a
// keychain cannot list what it holds. Changes go one at a time, so two adds never lose a name.
import { KeyfobError } from '../core/errors.js';
import type { SecretStore } from './secretStore.js';

export const iamUserKey = (profile: string) => `iam-user:${profile}`;
export const IAM_USERS_INDEX = 'iam-users';

export interface IamUserKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export class KeysStoredError extends KeyfobError {
  constructor(profile: string) {
    super('Usage', `keys are already stored for profile ${JSON.stringify(profile)}, and the keychain holds the only copy; to replace them, run: keyfob add ${profile} --force`, 409);
  }
}

export class IamUserKeys {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SecretStore) {}

  async get(profile: string): Promise<IamUserKeyPair | undefined> {
    const stored = await this.store.get(iamUserKey(profile));
    if (!stored) return undefined;
    const { accessKeyId, secretAccessKey } = JSON.parse(stored) as IamUserKeyPair;
    return { accessKeyId, secretAccessKey };
  }

  /** Stored keys are replaced only with `force` (`keyfob add --force`): the keychain holds the only copy. */
  put(profile: string, keys: IamUserKeyPair, opts: { force?: boolean } = {}): Promise<void> {
    return this.oneAtATime(async () => {
      if (!opts.force && (await this.store.get(iamUserKey(profile)))) throw new KeysStoredError(profile);
      await this.store.set(iamUserKey(profile), JSON.stringify({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }));
      const names = await this.profiles();
      if (!names.includes(profile)) await this.store.set(IAM_USERS_INDEX, JSON.stringify([...names, profile].sort()));
    });
  }

  /** Whether there were keys to delete. */
  remove(profile: string): Promise<boolean> {
    return this.oneAtATime(async () => {
      const removed = await this.store.delete(iamUserKey(profile));
      const names = await this.profiles();
      if (names.includes(profile)) {
        const rest = names.filter((n) => n !== profile);
        if (rest.length) await this.store.set(IAM_USERS_INDEX, JSON.stringify(rest));
        else await this.store.delete(IAM_USERS_INDEX);
      }
      return removed;
    });
  }

  /** The profiles whose keys are stored: names only. */
  async profiles(): Promise<string[]> {
    const index = await this.store.get(IAM_USERS_INDEX);
    if (!index) return [];
    try {
      const names = JSON.parse(index) as unknown;
      return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
    } catch {
      return [];
    }
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
