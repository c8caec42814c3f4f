/**
 * Whether this person has a way back into their account if this browser is lost: a recovery
 * phrase they said they wrote down, or a backup file they downloaded. Until one of them is
 * true, the app tells them once (a card they can dismiss) and Settings keeps saying it. Kept in
 * the store's settings, so it follows the account rather than one tab.
 */
import type { StorageAdapter } from '../../core/store/storage-adapter.ts';

const KEY = 'safety/kept';

/** What this device knows of the person's ways back. */
export interface AccountSafety {
  /** When they said they wrote the recovery phrase down (or restored from it), ms. */
  readonly phraseAt: number | null;
  /** When they last downloaded a backup file (or restored from one), ms. */
  readonly backupAt: number | null;
  /** When they dismissed the reminder card, ms. */
  readonly dismissedAt: number | null;
}

const NONE: AccountSafety = { phraseAt: null, backupAt: null, dismissedAt: null };

function timeOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Reads the saved state (nothing saved: nothing kept). */
export async function readSafety(store: StorageAdapter): Promise<AccountSafety> {
  const saved = await store.getSetting(KEY);
  if (typeof saved !== 'object' || saved === null) return NONE;
  const v = saved as Record<string, unknown>;
  return {
    phraseAt: timeOrNull(v.phraseAt),
    backupAt: timeOrNull(v.backupAt),
    dismissedAt: timeOrNull(v.dismissedAt),
  };
}

/** Records one fact (`phraseAt`, `backupAt` or `dismissedAt`) at `now`; returns the new state. */
export async function noteSafety(
  store: StorageAdapter,
  fact: keyof AccountSafety,
  now: number,
): Promise<AccountSafety> {
  const next = { ...(await readSafety(store)), [fact]: now };
  await store.setSetting(KEY, next);
  return next;
}

/** Whether losing this browser would lose the account: no phrase kept, no backup made. */
export function atRisk(safety: AccountSafety): boolean {
  return safety.phraseAt === null && safety.backupAt === null;
}

/** Whether the one-time reminder card shows: at risk and not dismissed. */
export function remindNow(safety: AccountSafety): boolean {
  return atRisk(safety) && safety.dismissedAt === null;
}
