/**
 * Asking the browser to keep Kith's data (`navigator.storage.persist()`). Without it a browser
 * may evict IndexedDB under storage pressure, and Safari deletes it after seven days without a
 * visit unless the app is on the Home Screen. Kith asks once, on the first Home screen after
 * onboarding; Settings shows the answer and can ask again.
 */

/** Remembers that the first-run request was made, so it is not repeated on every start. */
export const PERSIST_ASKED_KEY = 'kith:persist-asked';

/** The browser's answer, or `unsupported` where there is no StorageManager (old browsers). */
export type Persistence = 'granted' | 'not-granted' | 'unsupported';

const answer = (granted: boolean): Persistence => (granted ? 'granted' : 'not-granted');

/** Whether the browser has agreed to keep Kith's data. */
export async function persistence(storage = navigator.storage): Promise<Persistence> {
  if (!storage?.persisted) return 'unsupported';
  return answer(await storage.persisted());
}

/** Asks the browser (again) to keep Kith's data; its answer. */
export async function askPersistence(storage = navigator.storage): Promise<Persistence> {
  if (!storage?.persist) return 'unsupported';
  return answer(await storage.persist());
}

/** Asks once per device: the first call asks, later ones only read the answer. */
export async function askPersistenceOnce(
  storage = navigator.storage,
  flags: Storage = localStorage,
): Promise<Persistence> {
  if (flags.getItem(PERSIST_ASKED_KEY) === '1') return persistence(storage);
  flags.setItem(PERSIST_ASKED_KEY, '1');
  return askPersistence(storage);
}
