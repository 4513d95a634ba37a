export type { RoleCredentials } from '../aws/roleCredentials.js';
import type { RoleCredentials } from '../aws/roleCredentials.js';

/** aws-vault style: small providers that compose (a cache wrapping an SSO provider). */
export interface CredentialProvider {
  retrieve(): Promise<RoleCredentials>;
  /** Fetch anew even when cached credentials look fresh (the caching provider): for a source STS called expired. */
  refresh?(): Promise<RoleCredentials>;
}

/** The credential_process JSON v1 document that botocore and the SDKs read. */
export interface CredentialProcessOutput {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  /** Absent for long-term static keys. */
  SessionToken?: string;
  /** Absent for static keys: the SDKs then never refresh them. */
  Expiration?: string;
  AccountId?: string;
}

/**
 * One frozen answer object per cached credentials, so a warm hit returns the very same object: the
 * daemon keeps the serialised answer by that identity and sends those bytes again without JSON work
 * (answers.ts sendReadyJson), until the credentials change.
 */
const answers = new WeakMap<RoleCredentials, CredentialProcessOutput>();

export function toCredentialProcessOutput(c: RoleCredentials): CredentialProcessOutput {
  let out = answers.get(c);
  if (!out) {
    out = Object.freeze({
      Version: 1 as const,
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
      ...(Number.isFinite(c.expiration) ? { Expiration: new Date(c.expiration).toISOString() } : {}),
      ...(c.accountId ? { AccountId: c.accountId } : {}),
    });
    answers.set(c, out);
  }
  return out;
}
