// What the user hands the daemon for credentials it cannot fetch alone: IAM users' long-term keys
// (`keyfob add`/`remove`, kept in the secret store, store/iamUserKeys.ts) and the MFA codes the
// client's terminal sends (POST /v1/mfa, held in MfaCodes until a link asks). The daemon never
// prompts: a link that needs a code throws MfaRequiredError and the client asks its user.
import type { ProfileFiles } from '../../config/profileResolver.js';
import { MfaCodes } from '../../credentials/mfaCodes.js';
import { ConfigError, KeyfobError } from '../../core/errors.js';
import type { SigningKeys } from '../../aws/sts.js';
import { IamUserKeys, type IamUserKeyPair } from '../../store/iamUserKeys.js';
import type { SecretStore } from '../../store/index.js';

export class IamUserService {
  readonly mfaCodes = new MfaCodes();
  private readonly keyStore?: IamUserKeys;

  /** `changed(profile)` runs after its keys are stored or removed, to drop what was made from the old ones. */
  constructor(store: SecretStore | undefined, private readonly changed: (profile: string) => void) {
    this.keyStore = store && new IamUserKeys(store);
  }

  /** The long-term keys `keyfob add` stored for an IAM user profile. */
  async keys(profile: string): Promise<SigningKeys> {
    const keys = await this.keyStore?.get(profile);
    if (!keys) throw new KeyfobError('NoStoredKeys', `no access key is stored for profile ${JSON.stringify(profile)}; run: keyfob add ${profile}`, 404);
    return keys;
  }

  private keyStoreOrFail(): IamUserKeys {
    if (!this.keyStore) throw new KeyfobError('KeychainUnavailable', 'this daemon has no secret store for IAM user keys; restart it: keyfob daemon stop', 503);
    return this.keyStore;
  }

  /** `keyfob add`: the keys go to the secret store; links built on the old ones are dropped. */
  async store(profile: string, keys: IamUserKeyPair, opts: { force?: boolean } = {}): Promise<void> {
    await this.keyStoreOrFail().put(profile, keys, opts);
    this.changed(profile);
  }

  /** `keyfob remove`: whether there were keys to delete. */
  async remove(profile: string): Promise<boolean> {
    const removed = await this.keyStoreOrFail().remove(profile);
    this.changed(profile);
    return removed;
  }

  /** The profiles whose keys are stored: names only. */
  async profiles(): Promise<string[]> {
    return (await this.keyStore?.profiles()) ?? [];
  }

  /** Holds the code the user typed for `mfaProfile`'s mfa_serial (the profile must exist) until a link asks for it. */
  putMfaCode(files: ProfileFiles, mfaProfile: string, code: string): void {
    const serial = { ...files.config.profiles.get(mfaProfile)?.values, ...files.credentials.get(mfaProfile) }.mfa_serial;
    if (!serial) throw new ConfigError(`profile ${JSON.stringify(mfaProfile)} has no mfa_serial, so no MFA code goes with it; add mfa_serial = ARN of your MFA device`);
    this.mfaCodes.put(serial, code);
  }
}
