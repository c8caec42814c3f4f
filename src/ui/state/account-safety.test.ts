import { describe, expect, it } from 'vitest';
import { MemoryStorageAdapter } from '../../core/store/memory-storage-adapter.ts';
import { atRisk, noteSafety, readSafety, remindNow } from './account-safety.ts';

describe('account safety', () => {
  it('is at risk, and reminds, until a phrase or a backup is kept', async () => {
    const store = new MemoryStorageAdapter();
    const fresh = await readSafety(store);
    expect(atRisk(fresh)).toBe(true);
    expect(remindNow(fresh)).toBe(true);
    const backedUp = await noteSafety(store, 'backupAt', 5);
    expect(atRisk(backedUp)).toBe(false);
    expect(atRisk(await readSafety(store))).toBe(false);
  });

  it('stops the card once dismissed, while Settings still says it is at risk', async () => {
    const store = new MemoryStorageAdapter();
    const dismissed = await noteSafety(store, 'dismissedAt', 7);
    expect(remindNow(dismissed)).toBe(false);
    expect(atRisk(dismissed)).toBe(true);
    expect(atRisk(await noteSafety(store, 'phraseAt', 9))).toBe(false);
  });
});
