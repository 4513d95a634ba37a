/** Short-lived role credentials, as the daemon keeps them in memory (never on disk). */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
  accountId: string;
}

/** aws-vault style: small providers that compose (a cache wrapping an SSO provider). */
export interface CredentialProvider {
  retrieve(): Promise<RoleCredentials>;
}

/** The credential_process JSON v1 document that botocore and the SDKs read. */
export interface CredentialProcessOutput {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  AccountId: string;
}

/** Each credentials object's output, made once: see credentialProcessOutputOf. */
const outputs = new WeakMap<RoleCredentials, CredentialProcessOutput>();

/**
 * The output for cached credentials, the same (frozen) object for as long as the cache holds the
 * same credentials: the daemon keeps the serialised answer by that object's identity and sends
 * those bytes again without JSON work (answers.ts sendReadyJson), until the credentials change.
 */
export function credentialProcessOutputOf(c: RoleCredentials): CredentialProcessOutput {
  let output = outputs.get(c);
  if (!output) {
    output = Object.freeze(toCredentialProcessOutput(c));
    outputs.set(c, output);
  }
  return output;
}

export function toCredentialProcessOutput(c: RoleCredentials): CredentialProcessOutput {
  return {
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: new Date(c.expiration).toISOString(),
    AccountId: c.accountId,
  };
}
