// MFA checks for the sign-in page and for STS (an IAM user's virtual MFA device):
// a fixed code, or RFC 6238 TOTP (SHA-1, 30 s, 6 digits).
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './ids.js';

/** Anything with an MFA setting: an Identity Center user, or an IAM user with a virtual MFA device. */
interface WithMfa {
  mfa?: { code?: string; totpSecret?: string };
}

function base32Decode(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of secret.toUpperCase().replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const number = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

export const requiresMfa = <T extends WithMfa>(user: T) => Boolean(user.mfa && (user.mfa.code || user.mfa.totpSecret));

export function checkMfa<T extends WithMfa>(user: T, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  if (user.mfa?.code && constantTimeEqual(user.mfa.code, code)) return true;
  const secret = user.mfa?.totpSecret;
  if (secret) {
    // One step either side, for clock skew between the person's phone and this machine.
    for (const step of [-1, 0, 1]) if (constantTimeEqual(totp(secret, Date.now() + step * 30_000), code)) return true;
  }
  return false;
}
