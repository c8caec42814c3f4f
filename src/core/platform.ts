/**
 * What Kith needs from the platform before it can hold an identity: a secure context (WebCrypto,
 * service workers and installability exist only there) and WebCrypto with Ed25519 and X25519.
 * Pure: it reads only `globalThis`, so it runs in Node tests as in the browser.
 */

/** Why the platform cannot run Kith; each has its own message in the UI. */
export type PlatformProblem = 'insecure-context' | 'no-webcrypto' | 'no-ed25519' | 'no-x25519';

/** The outcome of {@link checkPlatform}: ready, or the first problem found. */
export type PlatformReport =
  { readonly ok: true } | { readonly ok: false; readonly problem: PlatformProblem };

/** The parts of `globalThis` the check reads, passed in so tests can describe any platform. */
export interface PlatformGlobals {
  readonly isSecureContext?: boolean;
  readonly crypto?: { readonly subtle?: SubtleCrypto };
}

/**
 * Checks the platform by trying what Kith will do: generate an Ed25519 and an X25519 key pair.
 * Feature flags lie (an engine may know the algorithm name but refuse the operation), attempts don't.
 */
export async function checkPlatform(
  g: PlatformGlobals = globalThis as PlatformGlobals,
): Promise<PlatformReport> {
  // Node has no isSecureContext; a missing flag means no browser restrictions apply.
  if (g.isSecureContext === false) return { ok: false, problem: 'insecure-context' };
  const subtle = g.crypto?.subtle;
  if (!subtle) return { ok: false, problem: 'no-webcrypto' };
  if (!(await succeeds(() => subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])))) {
    return { ok: false, problem: 'no-ed25519' };
  }
  if (!(await succeeds(() => subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])))) {
    return { ok: false, problem: 'no-x25519' };
  }
  return { ok: true };
}

async function succeeds(attempt: () => Promise<unknown>): Promise<boolean> {
  try {
    await attempt();
    return true;
  } catch {
    // The rejection itself is the answer: this engine cannot do the operation.
    return false;
  }
}
