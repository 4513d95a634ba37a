// STS's refusals as one line that names the profile and the fix (AccessDenied on trust, a wrong
// MFA code, an expired source session, an unknown key); anything else through upstreamFailure,
// naming STS and AWS_ENDPOINT_URL_STS (not IAM Identity Center's overrides).
import { errorName, STS, upstreamFailure } from '../aws/clients.js';
import { httpStatusOf } from '../aws/retry.js';
import { KeyfobError } from '../core/errors.js';

function stsMessage(err: unknown): string {
  return ((err as Error)?.message ?? '').split('\n')[0]!.trim();
}

/** STS's answer when the credentials that signed the call have expired. */
export function isExpiredToken(err: unknown): boolean {
  const name = errorName(err);
  return name === 'ExpiredToken' || name === 'ExpiredTokenException';
}

/** `what`: e.g. `assuming arn:aws:iam::…:role/Deploy for profile "deploy"`. */
export function stsFailure(err: unknown, profile: string, what: string): KeyfobError {
  if (err instanceof KeyfobError) return err;
  const name = errorName(err);
  const message = stsMessage(err);
  const p = JSON.stringify(profile);
  if (/MultiFactorAuthentication/i.test(message)) {
    return new KeyfobError('MfaFailed', `STS refused the MFA code for profile ${p} (${message}); try again with the current code from your device`, 403);
  }
  if (isExpiredToken(err)) {
    return new KeyfobError('StsRefused', `the source credentials of profile ${p} have expired (${name}); try again, and if it repeats, sign in again (keyfob login) or check the clock`, 401);
  }
  if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch') {
    return new KeyfobError('StsRefused', `STS does not accept the access key behind profile ${p} (${name}); store a valid key pair with: keyfob add PROFILE, or fix the keys in your credentials file`, 403);
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new KeyfobError('StsRefused', `STS refused ${what} (${message}); check that the role's trust policy allows the source of profile ${p} (and its external_id, mfa_serial)`, 403);
  }
  if (name === 'ValidationError' && httpStatusOf(err) === 400) {
    return new KeyfobError('StsRefused', `STS refused ${what} (${message}); fix duration_seconds or the role's settings in profile ${p}`, 400);
  }
  return upstreamFailure(err, what, STS);
}
