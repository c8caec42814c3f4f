/**
 * The UI's view of this device's Kith: whether someone has onboarded, the running peer, and a
 * `version` that ticks whenever the views may have changed, so lists re-read their page.
 */
import type { PersonId } from '../../core/ids.ts';
import type { Profile } from '../../core/docs/small-docs.ts';
import type { StorageAdapter } from '../../core/store/storage-adapter.ts';
import { createPerson, openKith, type Running } from '../../boot.ts';
import { describeError } from './errors.ts';

type Status = 'loading' | 'onboarding' | 'ready' | 'failed';

/** The session: one per page. */
export class Session {
  status = $state<Status>('loading');
  /** What went wrong, in words for a person, when `status` is `failed` (or a later failure). */
  problem = $state<string | null>(null);
  /** Ticks on every change to the views. */
  version = $state(0);
  /** Display names of people seen so far (from their profiles). */
  names = $state<Record<string, string>>({});
  running = $state.raw<Running | null>(null);
  private store: StorageAdapter | null = null;

  /** Opens the store and the saved person, if any. */
  async start(): Promise<void> {
    try {
      const opened = await openKith();
      this.store = opened.store;
      if (opened.running) this.attach(opened.running);
      else this.status = 'onboarding';
    } catch (error) {
      this.problem = describeError(error);
      this.status = 'failed';
    }
  }

  /** Creates the person (onboarding). */
  async onboard(name: string): Promise<void> {
    if (!this.store) throw new Error('onboard before start');
    this.attach(await createPerson(this.store, name));
  }

  /** The person using this device. */
  get me(): PersonId {
    if (!this.running) throw new Error('no person yet');
    return this.running.peer.me;
  }

  /** A person's display name, loading it on first use. */
  nameOf(person: PersonId): string {
    const known = this.names[person];
    if (known !== undefined) return known;
    void this.running?.peer.profile(person).then((profile: Profile | null) => {
      this.names[person] = profile?.name ?? 'Someone';
    });
    return '…';
  }

  private attach(running: Running): void {
    this.running = running;
    running.peer.onChange(() => {
      this.version++;
      // Names may have changed: forget them, they reload on next use.
      this.names = {};
    });
    running.peer.onError((error) => {
      this.problem = describeError(error);
    });
    this.status = 'ready';
  }
}
