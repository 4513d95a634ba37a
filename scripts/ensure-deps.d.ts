/** Why node_modules does not match package-lock.json in `root`, or undefined when it does. */
export function installMismatch(root: string): string | undefined;
