// A request about a profile that may need an MFA code: on the daemon's MfaRequired the code is
// asked on /dev/tty (mfaPrompt.ts, loaded from dist only then, so warm calls never read it), sent
// to the daemon, and the request made again. Lean: the credential-process and assume bundles use it.
import { importFromDist } from '../../core/paths.js';

export async function withMfa<T>(profile: string, request: () => Promise<T>, durationSeconds?: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if ((err as { code?: string }).code !== 'MfaRequired' || attempt >= 3) throw err;
      const { answerMfaChallenge, isMfaChallenge } = await importFromDist<typeof import('./mfaPrompt.js')>('daemon/client/mfaPrompt.js');
      if (!isMfaChallenge(err)) throw err;
      await answerMfaChallenge(err, profile, durationSeconds);
    }
  }
}
