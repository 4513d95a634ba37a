// The STS actions: GetCallerIdentity for every kind of credentials, AssumeRole (trust policy,
// MFA, external id, role-chaining and duration limits) and GetSessionToken, with STS's own
// validation messages and error codes.
import { StsError } from './awsErrors.js';
import type { Ctx } from './http.js';
import { assumedRoleIdentity, type CallerIdentity, isRoleSession, trusts, userIdentity } from './iam.js';
import { checkMfa } from './mfa.js';
import type { EmulatorState, IssuedCredential } from './state.js';
import { escapeXml, sendStsResult, stsParams, verifySignature } from './sts.js';

const ACTIONS: Record<string, (ctx: Ctx, params: URLSearchParams) => Promise<void>> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
  GetSessionToken: getSessionToken,
};

/** The operation a call is counted, limited and faulted as: its Action, or `UnknownAction`. */
export function stsOperation(ctx: Pick<Ctx, 'req' | 'url' | 'body'>): string {
  const action = stsParams(ctx).get('Action') ?? '';
  return Object.hasOwn(ACTIONS, action) ? action : 'UnknownAction';
}

export async function stsAction(ctx: Ctx): Promise<void> {
  const params = stsParams(ctx);
  const action = params.get('Action') ?? '';
  if (!Object.hasOwn(ACTIONS, action))
    throw new StsError(400, 'InvalidAction', `Could not find operation ${action || '(none)'} for version ${params.get('Version') ?? '(none)'}`);
  await ACTIONS[action]!(ctx, params);
}

const validationError = (message: string) => new StsError(400, 'ValidationError', message);
const accessDenied = (message: string) => new StsError(403, 'AccessDenied', message);

/** STS's model-level constraints, with the message AWS's validator gives. */
interface TextRule {
  min: number;
  max: number;
  pattern: RegExp;
  patternText: string;
}

const RULES = {
  // Any character but the C0/C1 controls other than tab, line feed and carriage return.
  RoleArn: { min: 20, max: 2048, pattern: /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]+$/u, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+' },
  RoleSessionName: { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' },
  ExternalId: { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/, patternText: '[\\w+=,.@:\\/-]*' },
  SerialNumber: { min: 9, max: 256, pattern: /^[\w+=/:,.@-]*$/, patternText: '[\\w+=/:,.@-]*' },
  TokenCode: { min: 6, max: 6, pattern: /^\d*$/, patternText: '[\\d]*' },
  SourceIdentity: { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' },
} satisfies Record<string, TextRule>;

const memberName = (name: string) => name[0]!.toLowerCase() + name.slice(1);

function text(params: URLSearchParams, name: keyof typeof RULES, required: true): string;
function text(params: URLSearchParams, name: keyof typeof RULES, required?: false): string | undefined;
function text(params: URLSearchParams, name: keyof typeof RULES, required = false): string | undefined {
  const value = params.get(name);
  const at = `at '${memberName(name)}' failed to satisfy constraint`;
  if (value === null) {
    if (required) throw validationError(`1 validation error detected: Value null ${at}: Member must not be null`);
    return undefined;
  }
  const rule: TextRule = RULES[name];
  if (value.length < rule.min) throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must have length greater than or equal to ${rule.min}`);
  if (value.length > rule.max) throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must have length less than or equal to ${rule.max}`);
  if (!rule.pattern.test(value)) throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must satisfy regular expression pattern: ${rule.patternText}`);
  return value;
}

function seconds(params: URLSearchParams, fallback: number, min: number, max: number): number {
  const raw = params.get('DurationSeconds');
  if (raw === null) return fallback;
  const value = Number(raw);
  const at = `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint`;
  if (!/^-?\d+$/.test(raw)) throw validationError(`${at}: Member must be a whole number`);
  if (value < min) throw validationError(`${at}: Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(`${at}: Member must have value less than or equal to ${max}`);
  return value;
}

const UNVERIFIABLE_MFA = 'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.';

/**
 * Whether the request presents MFA: SerialNumber and TokenCode of the calling IAM user's own
 * device. A wrong code, a device that is not the caller's, or half of the pair is AccessDenied.
 */
function presentsMfa(caller: CallerIdentity, params: URLSearchParams): boolean {
  const serial = text(params, 'SerialNumber');
  const code = text(params, 'TokenCode');
  if (serial === undefined && code === undefined) return false;
  const device = caller.user?.mfa;
  if (serial === undefined || code === undefined || !device || device.serial !== serial) throw accessDenied(UNVERIFIABLE_MFA);
  if (!checkMfa({ mfa: device }, code)) throw accessDenied('MultiFactorAuthentication failed with invalid MFA one time pass code.');
  return true;
}

/** How long new credentials live: what was asked, shortened by the credentialSeconds knob when that is set. */
function lifetime(state: EmulatorState, requested: number): number {
  const override = state.credentialSecondsOverride();
  return override === undefined ? requested : Math.min(requested, override);
}

/** ISO 8601 without milliseconds, on the server's clock, as STS writes Expiration. */
const expiration = (state: EmulatorState, credential: IssuedCredential) =>
  new Date(state.serverTime(credential.expiresAt)).toISOString().replace(/\.\d{3}Z$/, 'Z');

function credentialsXml(state: EmulatorState, credential: IssuedCredential): string {
  return (
    `    <Credentials>\n      <AccessKeyId>${credential.accessKeyId}</AccessKeyId>\n` +
    `      <SecretAccessKey>${escapeXml(credential.secretAccessKey)}</SecretAccessKey>\n` +
    `      <SessionToken>${escapeXml(credential.sessionToken)}</SessionToken>\n` +
    `      <Expiration>${expiration(state, credential)}</Expiration>\n    </Credentials>\n`
  );
}

async function getCallerIdentity(ctx: Ctx): Promise<void> {
  const { identity } = await verifySignature(ctx);
  sendStsResult(
    ctx,
    'GetCallerIdentity',
    `    <Arn>${escapeXml(identity.arn)}</Arn>\n    <UserId>${escapeXml(identity.userId)}</UserId>\n    <Account>${identity.accountId}</Account>\n`,
  );
}

const CHAINED_MAX_SECONDS = 3600;

async function assumeRole(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const { identity: caller } = await verifySignature(ctx);
  const roleArn = text(params, 'RoleArn', true);
  const sessionName = text(params, 'RoleSessionName', true);
  const duration = seconds(params, 3600, 900, 43200);
  const externalId = text(params, 'ExternalId');
  const sourceIdentity = text(params, 'SourceIdentity') ?? caller.sourceIdentity;
  const mfa = presentsMfa(caller, params) || caller.mfa;

  const { state } = ctx;
  const role = state.org.iam.roles.get(roleArn);
  // An unknown role and a refusing trust policy look the same from outside, as on AWS.
  if (!role || !trusts(role, caller, { mfa, externalId }))
    throw accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  if (isRoleSession(caller) && duration > CHAINED_MAX_SECONDS)
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  if (duration > role.maxSessionDuration) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const identity = assumedRoleIdentity(role, sessionName, mfa, sourceIdentity);
  const credential = state.issueCredential({ accountId: role.accountId, roleName: role.name, username: sessionName, identity }, lifetime(state, duration));
  state.settings.log(`AssumeRole ${identity.arn} by ${caller.arn}`);
  sendStsResult(
    ctx,
    'AssumeRole',
    credentialsXml(state, credential) +
      `    <AssumedRoleUser>\n      <AssumedRoleId>${escapeXml(identity.userId)}</AssumedRoleId>\n      <Arn>${escapeXml(identity.arn)}</Arn>\n    </AssumedRoleUser>\n` +
      (sourceIdentity ? `    <SourceIdentity>${escapeXml(sourceIdentity)}</SourceIdentity>\n` : ''),
  );
}

async function getSessionToken(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const { identity: caller } = await verifySignature(ctx);
  if (caller.kind !== 'iam-user' || !caller.user) throw accessDenied('Cannot call GetSessionToken with session credentials');
  const duration = seconds(params, 43200, 900, 129600);
  const mfa = presentsMfa(caller, params);
  const { state } = ctx;
  const identity = userIdentity(caller.user, 'user-session', mfa);
  const credential = state.issueCredential({ accountId: caller.accountId, roleName: '', username: caller.user.name, identity }, lifetime(state, duration));
  state.settings.log(`GetSessionToken for ${caller.arn}${mfa ? ' with MFA' : ''}`);
  sendStsResult(ctx, 'GetSessionToken', credentialsXml(state, credential));
}
