// A request about a profile that may need an MFA code: on the daemon's MfaRequired the code is
// asked with the user's prompt driver (mfaPrompt.ts, loaded only then, so warm calls never read
// it), sent to the daemon, and the request made again. Lean: the credential-process and assume
// bundles use it. One loop, two bounds: a refused code is told and the request made again (which
// asks again), up to MAX_REFUSED codes; a chain may need codes for two devices, so up to
// MAX_ANSWERED challenges answered.
import { visible } from '../../core/terminalText.js';
import type { MfaOutcome } from './mfaPrompt.js';

const MAX_REFUSED = 3;
const MAX_ANSWERED = 2;

/** Answers one challenge (mfaPrompt.ts's answerMfaChallenge, or a unit test's stand-in). */
export type ChallengeAnswerer = <T>(challenge: Error, profile: string, retry: () => Promise<T>, durationSeconds?: number) => Promise<MfaOutcome<T>>;

const fromDist: ChallengeAnswerer = async (challenge, profile, retry, durationSeconds) => {
  const { answerMfaChallenge, isMfaChallenge } = await import('./mfaPrompt.js');
  if (!isMfaChallenge(challenge)) throw challenge;
  return answerMfaChallenge(challenge, profile, retry, durationSeconds);
};

export async function withMfa<T>(profile: string, request: () => Promise<T>, durationSeconds?: number, answer: ChallengeAnswerer = fromDist): Promise<T> {
  let answered = 0;
  let refused = 0;
  for (;;) {
    try {
      return await request();
    } catch (err) {
      if ((err as { code?: string }).code !== 'MfaRequired' || answered >= MAX_ANSWERED) throw err;
// asked with the user's prompt driver (mfaPrompt.ts, loaded only then, so warm calls never read
// it), sent to the daemon, and the request made again. Lean: the credential-process and assume
// bundles use it. One loop, two bounds: a refused code is told and the request made again (which
// asks again), up to MAX_REFUSED codes; a chain may need codes for two devices, so up to
// MAX_ANSWERED challenges answered.
      try {
        const outcome = await answer(err as Error, profile, request, durationSeconds);
        if (outcome.kind === 'answered') return outcome.value;
        answered++; // 'asked', or 'other': the same request met another device's challenge (a chain with two)
      } catch (answerErr) {
        if ((answerErr as { code?: string }).code !== 'MfaFailed' || ++refused >= MAX_REFUSED) throw answerErr;
        process.stderr.write(`keyfob: ${visible((answerErr as Error).message)}\n`);
      }
    }
  }
}
