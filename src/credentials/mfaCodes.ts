// MFA codes the clients typed, waiting for the provider that needs them. The daemon never
// prompts: a provider that needs a code and has none throws MfaRequiredError, the client asks
// the user on its terminal and sends the code (POST /v1/mfa), and the next try takes it here.
// A code is one-time: taken once, and forgotten after CODE_TTL_MS if nobody takes it.
import { MfaRequiredError } from '../core/errors.js';

/** TOTP codes live 30 s; one typed longer ago than this is not worth sending. */
export const CODE_TTL_MS = 60_000;

export class MfaCodes {
  private readonly codes = new Map<string, { code: string; at: number }>();

  /** A code the user typed for the device `serial`. */
  put(serial: string, code: string): void {
    this.codes.set(serial, { code, at: Date.now() });
  }

  /** The waiting code for `serial`, used up; or MfaRequiredError naming the profile whose mfa_serial it is. */
  take(serial: string, profile: string): string {
    const waiting = this.codes.get(serial);
    this.codes.delete(serial);
    if (!waiting || Date.now() - waiting.at > CODE_TTL_MS) throw new MfaRequiredError(profile, serial);
    return waiting.code;
  }
}

/** Who needs the code: the profile whose mfa_serial names the device. */
export interface MfaNeed {
  serial: string;
  profile: string;
  codes: MfaCodes;
}
