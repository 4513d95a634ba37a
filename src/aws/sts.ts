// The STS calls keyfob's chain providers make (AssumeRole, GetSessionToken), behind one small
// interface like identityCenter.ts: the SDK-backed one talks to AWS, or to `keyfob emulator`
// through the standard AWS_ENDPOINT_URL_STS override the SDK reads itself; unit tests inject a fake.
// The SDK's STS client is imported on first use only, so the idle daemon never loads it (it is a
// separate chunk of dist/daemon.mjs, see scripts/bundle.js). Every client is built with the
// caller's credentials passed in explicitly: never from the daemon's environment or files.
// Each call is one attempt through the region's circuit (aws/circuits.ts), which does the retrying.
import type { RoleCredentials } from './roleCredentials.js';
import { CLIENT_SETTINGS } from './clients.js';
import { stsCircuit } from './circuits.js';

/** Credentials to sign an STS call with: long-term keys (no token) or a session. */
export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AssumeRoleParams {
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  externalId?: string;
  serialNumber?: string;
  tokenCode?: string;
  sourceIdentity?: string;
}

export interface SessionTokenParams {
  durationSeconds?: number;
  serialNumber?: string;
  tokenCode?: string;
}

export interface Sts {
  /** AssumeRole. Rejects with the SDK's error (its `name`: AccessDenied, ExpiredToken, ValidationError, …). */
  assumeRole(region: string, caller: SigningKeys, params: AssumeRoleParams): Promise<RoleCredentials>;
  /** GetSessionToken, with long-term keys only. accountId is left empty: STS does not say it. */
  getSessionToken(region: string, caller: SigningKeys, params: SessionTokenParams): Promise<RoleCredentials>;
}

/** The account of an ARN (arn:aws:sts::123456789012:assumed-role/…), or ''. */
export function arnAccount(arn: string | undefined): string {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1] ?? '';
}

interface SdkCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
  Expiration?: Date;
}

function fromSdk(c: SdkCredentials | undefined, accountId: string): RoleCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('STS answered without credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration.getTime(), accountId };
}

type StsModule = typeof import('@aws-sdk/client-sts');
let sdk: Promise<StsModule> | undefined;
// Bundled, the SDK's CommonJS build comes back as a namespace whose `default` holds the exports.
const loadSdk = () =>
  (sdk ??= import('@aws-sdk/client-sts').then((m) => ('STSClient' in m ? m : (m as unknown as { default: StsModule }).default)));

async function client(region: string, caller: SigningKeys) {
  const { STSClient } = await loadSdk();
  const { accessKeyId, secretAccessKey, sessionToken } = caller;
  return new STSClient({ region, ...CLIENT_SETTINGS, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
}

/** One attempt with a client of its own, destroyed when the attempt ends (also a probe its caller stopped waiting for). */
async function attempt<T>(region: string, caller: SigningKeys, call: (sts: Awaited<ReturnType<typeof client>>, sdk: StsModule) => Promise<T>): Promise<T> {
  const sdk = await loadSdk();
  const sts = await client(region, caller);
  try {
    return await call(sts, sdk);
  } finally {
    sts.destroy();
  }
}

/** STS through the AWS SDK. */
export const sdkSts: Sts = {
  async assumeRole(region, caller, p) {
    const out = await stsCircuit(region).run(() =>
      attempt(region, caller, (sts, { AssumeRoleCommand }) =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: p.roleArn,
            RoleSessionName: p.roleSessionName,
            DurationSeconds: p.durationSeconds,
            ExternalId: p.externalId,
            SerialNumber: p.serialNumber,
            TokenCode: p.tokenCode,
            SourceIdentity: p.sourceIdentity,
          }),
        ),
      ),
    );
    return fromSdk(out.Credentials, arnAccount(out.AssumedRoleUser?.Arn) || arnAccount(p.roleArn));
  },
  async getSessionToken(region, caller, p) {
    const out = await stsCircuit(region).run(() =>
      attempt(region, caller, (sts, { GetSessionTokenCommand }) =>
        sts.send(new GetSessionTokenCommand({ DurationSeconds: p.durationSeconds, SerialNumber: p.serialNumber, TokenCode: p.tokenCode })),
      ),
    );
    return fromSdk(out.Credentials, '');
  },
};
