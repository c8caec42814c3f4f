/** Reading a person's IndexedDB from their page, for tests of what a store holds. */
import type { Page } from 'playwright-core';

/**
 * What a person's IndexedDB holds, read in their page: the distinct message doc ids in it, and
 * whether any stored bytes or text contain `plaintext`.
 */
export async function scanStore(
  page: Page,
  plaintext: string,
): Promise<{ messageDocs: number; plaintext: boolean }> {
  return page.evaluate(async (needleText) => {
    const needle = new TextEncoder().encode(needleText);
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('kith');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const docs = new Set<string>();
    let found = false;
    const hasNeedle = (bytes: Uint8Array) => {
      outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
        for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
        return true;
      }
      return false;
    };
    const visit = (value: unknown, depth: number): void => {
      if (depth > 8 || value === null || value === undefined) return;
      if (typeof value === 'string') {
        // A doc id, or a run's key of one: its author, a NUL, the doc id.
        const docId = value.slice(value.indexOf('\u0000') + 1);
        if (docId.startsWith('message/~')) docs.add(docId);
        if (value.includes(needleText)) found = true;
      } else if (value instanceof Uint8Array) {
        if (hasNeedle(value)) found = true;
      } else if (value instanceof ArrayBuffer) {
        if (hasNeedle(new Uint8Array(value))) found = true;
      } else if (Array.isArray(value)) {
        for (const item of value) visit(item, depth + 1);
      } else if (typeof value === 'object') {
        for (const item of Object.values(value)) visit(item, depth + 1);
      }
    };
    for (const name of Array.from(db.objectStoreNames)) {
      const all = await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(name, 'readonly').objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result as unknown[]);
        request.onerror = () => reject(request.error);
      });
      visit(all, 0);
    }
    db.close();
    return { messageDocs: docs.size, plaintext: found };
  }, plaintext);
}
