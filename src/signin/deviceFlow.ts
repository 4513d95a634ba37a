// OAuth device authorization grant: show a URL and code, then poll CreateToken.
import { CreateTokenCommand, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { errorName, oidcClient, upstreamFailure } from '../aws/clients.js';
import { isThrottleOrServerFault, sleep, withRetry } from '../aws/retry.js';
import { RegistrationRejectedError, SignInError, tokenFromResponse } from './tokens.js';
import type { ClientRegistration, SignInHooks, SsoSessionConfig, SsoToken } from './types.js';

/** RFC 8628: on slow_down the client adds 5 seconds to its polling interval. */
const SLOW_DOWN_STEP_S = 5;

export async function deviceSignIn(session: SsoSessionConfig, reg: ClientRegistration, hooks: SignInHooks): Promise<SsoToken> {
  const client = oidcClient(session.region);
  let start;
  try {
    start = await withRetry(() =>
      client.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: session.startUrl })),
    );
  } catch (err) {
    if (errorName(err) === 'InvalidClientException') throw new RegistrationRejectedError();
    throw upstreamFailure(err, 'starting the device sign-in');
  }
  hooks.onPrompt({
    method: 'device',
    url: start.verificationUriComplete ?? start.verificationUri!,
    verificationUri: start.verificationUri,
    userCode: start.userCode,
  });

  let intervalS = start.interval ?? 5;
  const deadline = Date.now() + (start.expiresIn ?? 600) * 1000;
  while (Date.now() < deadline) {
    await sleep(intervalS * 1000);
    if (hooks.signal?.aborted) throw new SignInError('sign-in was cancelled');
    try {
      const out = await client.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          deviceCode: start.deviceCode,
        }),
      );
      return tokenFromResponse(out);
    } catch (err) {
      const name = errorName(err);
      if (name === 'AuthorizationPendingException') continue;
      if (name === 'SlowDownException') {
        intervalS += SLOW_DOWN_STEP_S;
        continue;
      }
      if (name === 'ExpiredTokenException') break;
      if (name === 'AccessDeniedException') throw new SignInError('sign-in was denied in the browser; run keyfob login again to retry');
      if (name === 'InvalidClientException') throw new RegistrationRejectedError();
      if (isThrottleOrServerFault(err)) continue;
      throw upstreamFailure(err, 'the device sign-in');
    }
  }
  throw new SignInError('the sign-in code expired before it was approved; run keyfob login again');
}
