// The one-request, one-answer protocol between keychainStore and keychainHelper.
export type KeychainRequest =
  | { op: 'get' | 'delete' | 'probe'; service: string; key: string }
  | { op: 'set'; service: string; key: string; value: string };

export type KeychainResponse =
  | { ok: true; value?: string | boolean }
  | { ok: false; stage: 'load' | 'call'; message: string };
