/**
 * Memory a remote person makes this replica hold before it is processed, bounded in total per
 * person: what arrives before a connection opens (`net/peer-data-tap.ts`), messages being
 * reassembled from pieces (`net/framing.ts`, `net/data-channel-transport.ts`) and messages
 * waiting in a sync session's inbox (`sync-session.ts`). Each of those has its own cap per
 * connection; one `MemoryBudget` shared by all connections to one friend keeps a friend with
 * several devices, or one who reconnects quickly, from holding that cap several times over.
 *
 * Every buffer takes its own `MemoryAccount` of the budget and releases it whole when it closes,
 * so a closed connection can never leave bytes counted.
 */
import type { PersonId } from '../ids.ts';

/** Default bytes held per friend, all connections together (two 16 MiB messages' worth). */
export const DEFAULT_FRIEND_MEMORY_BYTES = 32 * 1024 * 1024;

/** Bytes held for one remote person, across every buffer of every connection to them. */
export class MemoryBudget {
  private heldBytes = 0;

  /** A budget of `limitBytes`. */
  constructor(readonly limitBytes: number) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) throw new RangeError('bad budget');
  }

  /** Bytes held now. */
  get held(): number {
    return this.heldBytes;
  }

  /** A new account of this budget, for one buffer. */
  account(): MemoryAccount {
    return new MemoryAccount(this);
  }

  /** @internal Used by `MemoryAccount`. */
  change(bytes: number): boolean {
    if (bytes > 0 && this.heldBytes + bytes > this.limitBytes) return false;
    this.heldBytes += bytes;
    return true;
  }
}

/** One buffer's share of a {@link MemoryBudget}. */
export class MemoryAccount {
  private heldBytes = 0;

  constructor(private readonly budget: MemoryBudget) {}

  /** Bytes this account holds. */
  get held(): number {
    return this.heldBytes;
  }

  /** Holds `bytes` more; false, holding nothing more, when the budget cannot take them. */
  hold(bytes: number): boolean {
    if (!this.budget.change(bytes)) return false;
    this.heldBytes += bytes;
    return true;
  }

  /** Releases `bytes` this account holds. */
  release(bytes: number): void {
    if (bytes > this.heldBytes) throw new RangeError('releasing more than held');
    this.heldBytes -= bytes;
    this.budget.change(-bytes);
  }

  /** Releases everything this account holds (its buffer closed). */
  releaseAll(): void {
    this.release(this.heldBytes);
  }
}

/** One {@link MemoryBudget} per friend, made on first use and shared by their connections. */
export class FriendMemoryBudgets {
  private readonly budgets = new Map<PersonId, MemoryBudget>();

  /** Budgets of `limitBytes` each. */
  constructor(readonly limitBytes: number = DEFAULT_FRIEND_MEMORY_BYTES) {}

  /** The budget of `person`. */
  of(person: PersonId): MemoryBudget {
    let budget = this.budgets.get(person);
    if (!budget) {
      budget = new MemoryBudget(this.limitBytes);
      this.budgets.set(person, budget);
    }
    return budget;
  }
}
