// The small checks every part of the fixture is validated with, and the one error they throw.
// The emulator imports nothing of the product (docs/architecture.md), so its error is its own.
export class FixtureError extends Error {
  readonly code = 'EmulatorFixture';
  readonly status = 400;
  constructor(message: string) {
    super(`emulator fixture: ${message}; see docs/emulator.md for the format`);
    this.name = 'FixtureError';
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new FixtureError(`${where} must be a non-empty string`);
  return value;
}

export function requireArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new FixtureError(`${where} must be an array`);
  return value;
}

/** A 12-digit account id. */
export function requireAccountId(value: unknown, where: string): string {
  const id = requireString(value, where);
  if (!/^\d{12}$/.test(id)) throw new FixtureError(`${where} must be 12 digits`);
  return id;
}

/** An MFA setting: a fixed 6-digit code and/or a base32 TOTP secret, at least one of them. */
export function checkMfaSetting(value: unknown, where: string): { code?: string; totpSecret?: string } {
  if (!isObject(value)) throw new FixtureError(`${where} must be an object`);
  const { code, totpSecret } = value;
  if (code !== undefined && (typeof code !== 'string' || !/^\d{6}$/.test(code))) throw new FixtureError(`${where}.code must be 6 digits`);
  if (totpSecret !== undefined && (typeof totpSecret !== 'string' || !/^[A-Z2-7]+=*$/i.test(totpSecret)))
    throw new FixtureError(`${where}.totpSecret must be base32`);
  if (code === undefined && totpSecret === undefined) throw new FixtureError(`${where} needs a code or a totpSecret`);
  return { code: code as string | undefined, totpSecret: totpSecret as string | undefined };
}
