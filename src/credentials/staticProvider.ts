// Keys written in the user's own credentials or config file, handed out as they are (as the SDKs
// would read them), with no expiry unless they carry a session token that someone else dated.
import type { CredentialProvider, RoleCredentials } from './types.js';

export class StaticProvider implements CredentialProvider {
  private readonly credentials: RoleCredentials;

  constructor(keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
    this.credentials = { ...keys, expiration: Infinity, accountId: '' };
  }

  async retrieve(): Promise<RoleCredentials> {
    return this.credentials;
  }
}
