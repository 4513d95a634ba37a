// A request about a profile that may need an MFA code: on the daemon's MfaRequired the code is
// asked on /dev/tty (mfaPrompt.ts, loaded from dist only then, so warm calls never read it), sent
// to the daemon, and the request made again. Lean: the credential-process and assume bundles use it.
// One loop, two bounds: a refused code is told and the request made again (which asks again), up to
// MAX_REFUSED codes; a chain may need codes for two devices, so up to MAX_ANSWERED challenges answered.
import { visible } from '../../core/terminalText.js';

const MAX_REFUSED = 3;
const MAX_ANSWERED = 2;

export async function withMfa<T>(profile: string, request: () => Promise<T>, durationSeconds?: number): Promise<T> {
  let answered = 0;
  let refused = 0;
  for (;;) {
    try {
      return await request();
    } catch (err) {
      if ((err as { code?: string }).code !== 'MfaRequired' || answered >= MAX_ANSWERED) throw err;
      const { answerMfaChallenge, isMfaChallenge } = await import('./mfaPrompt.js');
      if (!isMfaChallenge(err)) throw err;
      try {
        await answerMfaChallenge(err, profile, durationSeconds);
        answered++;
      } catch (answerErr) {
        if ((answerErr as { code?: string }).code !== 'MfaFailed' || ++refused >= MAX_REFUSED) throw answerErr;
        process.stderr.write(`keyfob: ${visible((answerErr as Error).message)}\n`);
      }
    }
  }
}
