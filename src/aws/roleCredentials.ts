// What STS and GetRoleCredentials hand back, as the daemon keeps it: the one credentials shape every
// layer from aws/ up shares (credentials/types.ts re-exports it for the providers).
/**
 * Credentials as the daemon keeps them in memory (never on disk): short-lived role or session
 * credentials, or, for a static profile of the user's own files, the keys written there.
 */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Absent only for long-term keys (a static profile without aws_session_token). */
  sessionToken?: string;
  /** Epoch milliseconds; Infinity for static keys, which do not expire. */
  expiration: number;
  /** '' when nobody said (GetSessionToken, static keys). */
  accountId: string;
}
