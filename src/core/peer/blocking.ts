/**
 * Blocking someone, privately (issue 28): it removes them as a friend if they were one, refuses
 * every entry of theirs from then on (synced, relayed or embedded in a friend's thread: the
 * ingestor's `refuseAuthors`), drops their logs held here so this device neither replicates nor
 * relays them, hides their comments and reactions in every view read here, and refuses their
 * invites and connections (a friendship is never added with them; a conversation does not meet
 * them). Nothing is sent: the blocked person is not told. A removal is a new friends epoch (as any
 * removal), which they can notice only as posts they no longer receive.
 *
 * Every device of the person blocks whom one of them blocked: a block is marked in the friend-list
 * doc (`docs/small-docs.ts`, sealed to the self key), so to whoever holds its ciphertext it is one
 * more change of the friend list, and the blocked person holds nothing that says so. Each device
 * keeps its list in a setting too, read at once at start (`has` is asked for every entry), and
 * follows the marks as the doc changes ({@link Blocking.follow}).
 */
import type { DeviceId, PersonId } from '../ids.ts';
import type { LogSummary } from '../store/storage-adapter.ts';

/** Refused: the person is blocked on this device. */
export class BlockedPersonError extends Error {
  override readonly name = 'BlockedPersonError';
}

const BLOCKED = 'blocked';

/** Where the list is kept. */
interface SettingsPort {
  getSetting(key: string): Promise<unknown>;
  setSetting(key: string, value: unknown): Promise<void>;
}

/** The people blocked on this device: read at once (`has` is asked for every entry received). */
export class BlockList {
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly store: SettingsPort,
    private readonly people: Set<PersonId>,
  ) {}

  /** The list as the store keeps it. */
  static async load(store: SettingsPort): Promise<BlockList> {
    const saved = await store.getSetting(BLOCKED);
    const people = Array.isArray(saved)
      ? (saved as unknown[]).filter((p): p is PersonId => typeof p === 'string')
      : [];
    return new BlockList(store, new Set(people));
  }

  /** Whether `person` is blocked here. */
  has(person: PersonId): boolean {
    return this.people.has(person);
  }

  /** Everyone blocked here. */
  all(): PersonId[] {
    return [...this.people];
  }

  /** Adds or (`blocked` false) removes someone; listeners hear of a change. */
  async set(person: PersonId, blocked: boolean): Promise<void> {
    if (this.people.has(person) === blocked) return;
    if (blocked) this.people.add(person);
    else this.people.delete(person);
    await this.store.setSetting(BLOCKED, [...this.people]);
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after each change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the list again from the store (another tab of this profile changed it); listeners hear
   * of it only if it differs, so two tabs telling each other settle at once. Resolves to the
   * people blocked or unblocked since.
   */
  async reload(): Promise<PersonId[]> {
    const saved = (await BlockList.load(this.store)).people;
    const changed = [
      ...[...saved].filter((p) => !this.people.has(p)),
      ...[...this.people].filter((p) => !saved.has(p)),
    ];
    if (changed.length === 0) return changed;
    this.people.clear();
    for (const person of saved) this.people.add(person);
    for (const listener of [...this.listeners]) listener();
    return changed;
  }
}

/** What blocking acts on. */
export interface BlockingPorts {
  readonly me: PersonId;
  readonly list: BlockList;
  /** Whether `person` is a friend now. */
  isFriend(person: PersonId): boolean;
  /** Removes a friend (a new friends epoch; they leave every list). */
  removeFriend(person: PersonId): Promise<void>;
  /** The logs held here. */
  listLogs(): Promise<LogSummary[]>;
  /** Drops a whole log held here (its entries and summary). */
  dropLog(author: PersonId, device: DeviceId): Promise<void>;
  /** Views of `person`'s replies changed (they leave, or come back to, what is shown). */
  changed(person: PersonId): void;
  /** Marks `person` blocked or not in the friend-list doc, for the person's other devices. */
  mark(person: PersonId, blocked: boolean): Promise<void>;
}

/** Blocks and unblocks people (module doc). */
export class Blocking {
  /** The marks as last read from the doc: one gone since was unblocked on another device. */
  private marks: ReadonlySet<PersonId> = new Set();

  constructor(private readonly ports: BlockingPorts) {}

  /**
   * Follows the block marks of the friend-list doc (read at start, and whenever it changed): a
   * person marked on another device is blocked here too, and one whose mark went away since the
   * last read is unblocked. Someone blocked here whose mark is not written yet stays blocked.
   */
  async follow(marks: ReadonlySet<PersonId>): Promise<void> {
    const { list } = this.ports;
    const gone = [...this.marks].filter((person) => !marks.has(person) && list.has(person));
    this.marks = marks;
    for (const person of marks) if (!list.has(person)) await this.blockHere(person);
    for (const person of gone) {
      await list.set(person, false);
      this.ports.changed(person);
    }
  }

  /** Marks those blocked here before blocks were marked (once, at start, before any follow). */
  async markUnmarked(marks: ReadonlySet<PersonId>): Promise<void> {
    this.marks = marks;
    for (const person of this.ports.list.all()) {
      if (!marks.has(person)) await this.ports.mark(person, true);
    }
  }

  /** Whether `person` is blocked here. */
  has(person: PersonId): boolean {
    return this.ports.list.has(person);
  }

  /** Everyone blocked here. */
  all(): PersonId[] {
    return this.ports.list.all();
  }

  /** Calls `listener` after each block or unblock; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.ports.list.onChange(listener);
  }

  /** Follows a change another tab made to the list: the views of who changed are re-read. */
  async reload(): Promise<void> {
    for (const person of await this.ports.list.reload()) this.ports.changed(person);
  }

  /** Blocks `person` (module doc); they are not told. */
  async block(person: PersonId): Promise<void> {
    const { ports } = this;
    if (person === ports.me) throw new BlockedPersonError('one cannot block oneself');
    await this.blockHere(person);
    await ports.mark(person, true);
  }

  /** Unblocks `person`: what they write is taken again (they are not made a friend again). */
  async unblock(person: PersonId): Promise<void> {
    // The mark first: a follow in between then agrees with the unblock.
    await this.ports.mark(person, false);
    await this.ports.list.set(person, false);
    this.ports.changed(person);
  }

  /** Blocks `person` on this device: refused, not a friend, their logs dropped, views re-read. */
  private async blockHere(person: PersonId): Promise<void> {
    const { ports } = this;
    // First: from here on nothing of theirs is stored, whatever arrives meanwhile.
    await ports.list.set(person, true);
    if (ports.isFriend(person)) await ports.removeFriend(person);
    for (const log of await ports.listLogs()) {
      if (log.author === person) await ports.dropLog(log.author, log.device);
    }
    ports.changed(person);
  }
}
