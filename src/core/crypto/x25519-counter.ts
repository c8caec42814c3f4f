/**
 * Test helper: counts the X25519 agreements (WebCrypto `deriveBits` with X25519) made while a
 * task runs, so tests can bound what opening key records costs. It counts; it changes nothing.
 */
import { vi } from 'vitest';

/** Runs `task` and returns its result with the number of X25519 agreements it made. */
export async function countX25519<T>(
  task: () => Promise<T>,
): Promise<{ result: T; calls: number }> {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.deriveBits.bind(subtle);
  let calls = 0;
  const spy = vi.spyOn(subtle, 'deriveBits').mockImplementation((algorithm, key, length) => {
    if ((algorithm as { name?: string }).name === 'X25519') calls++;
    return original(algorithm, key, length);
  });
  try {
    return { result: await task(), calls };
  } finally {
    spy.mockRestore();
  }
}
