// When something with a lifetime counts as stale: shared by role credentials (credentials/) and
// sign-in tokens (signin/), which sit in separate layers (docs/architecture.md).

/** How long before expiry something counts as stale: the window, or half the lifetime when that is shorter. */
export function refreshWindow(lifetimeMs: number, windowMs: number): number {
  return Math.min(windowMs, lifetimeMs / 2);
}
