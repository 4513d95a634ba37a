// Where keyfob keeps secrets (SSO tokens, client registrations): one small interface.
export interface SecretStore {
  readonly kind: 'keychain' | 'memory';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Returns whether there was something to delete. */
  delete(key: string): Promise<boolean>;
  /** Throws KeychainError early (daemon start, doctor) when the store cannot be used. */
  probe(): Promise<void>;
}

export function checkKey(key: string): void {
  if (key === '') throw new Error('secret store keys must be non-empty');
}

export function checkValue(value: string): void {
  if (value === '') throw new Error('secret store values must be non-empty');
}
