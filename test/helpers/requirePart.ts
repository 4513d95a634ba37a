// A test that needs a missing part (a browser, the AWS CLI, …) must fail in CI, and may skip elsewhere.
import { accessSync, constants } from 'node:fs';

/** True when the executable exists; under CI a missing one throws, so the test file fails instead of skipping. */
export function requirePart(path: string, what: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    if (process.env.CI) throw new Error(`${what} is required in CI but ${path} is missing; install it (see .ci/run)`);
    return false;
  }
}
