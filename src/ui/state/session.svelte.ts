/**
 * The UI's view of this device's Kith: whether someone has onboarded, the running peer, and a
 * `version` that ticks whenever the views may have changed, so lists re-read their page.
 */
import type { PersonId } from '../../core/ids.ts';
import type { Profile } from '../../core/docs/small-docs.ts';
import type { StorageAdapter } from '../../core/store/storage-adapter.ts';
import { createPerson, openKith, signalingUrls, type Running } from '../../boot.ts';
import { describeError } from './errors.ts';
import { systemClock } from '../../core/clock.ts';
import { defaultVerifier } from '../../core/identity/verifier.ts';
import type { IssuedInvite } from '../../core/invite/invite-book.ts';
import { InviteRecords, type AcceptanceRecord } from '../../core/mesh/invite-records.ts';
import { acceptInvite, issueInvite, revokeInvite } from '../../core/mesh/invites.ts';
import type { MeshStatus } from '../../core/mesh/mesh.ts';

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
  /** The network as this tab sees it: `null` while another tab holds the network role. */
  net = $state.raw<MeshStatus | null>(null);
  invites = $state.raw<IssuedInvite[]>([]);
  acceptances = $state.raw<AcceptanceRecord[]>([]);
  private store: StorageAdapter | null = null;
  // Tabs tell each other when invite records change, so the network tab carries them.
  private readonly inviteTabs = new BroadcastChannel('kith-invites');

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

  /** Issues an invite link (valid a week, single use unless `multiUse`). */
  async issueInvite(multiUse = false): Promise<string> {
    const running = this.ready();
    const { link } = await issueInvite({
      identity: running.saved.identity,
      records: this.records(),
      clock: systemClock,
      origin: location.origin,
      signalingUrls: await signalingUrls(running.store),
      multiUse,
    });
    await this.invitesChanged();
    return link;
  }

  /** Withdraws an issued invite. */
  async revokeInvite(inviteId: string): Promise<void> {
    await revokeInvite(this.records(), inviteId);
    await this.invitesChanged();
  }

  /** Accepts an invite link; the friendship completes when the inviter's device answers. */
  async acceptInvite(link: string): Promise<AcceptanceRecord> {
    const { record } = await acceptInvite({
      link,
      identity: this.ready().saved.identity,
      records: this.records(),
      clock: systemClock,
      verifier: defaultVerifier,
    });
    await this.invitesChanged();
    return record;
  }

  /** Removes a friend: a new friends epoch they cannot read. */
  async removeFriend(person: PersonId): Promise<void> {
    await this.ready().peer.removeFriend(person);
  }

  private ready(): Running {
    if (!this.running) throw new Error('no person yet');
    return this.running;
  }

  private records(): InviteRecords {
    return new InviteRecords(this.ready().store);
  }

  private async invitesChanged(): Promise<void> {
    this.inviteTabs.postMessage('changed');
    await this.running?.network.mesh?.refreshInvites();
    await this.loadInvites();
  }

  private async loadInvites(): Promise<void> {
    const records = this.records();
    this.invites = await records.issued();
    this.acceptances = await records.accepted();
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
    const watchMesh = () => {
      const mesh = running.network.mesh;
      this.net = mesh?.status() ?? null;
      mesh?.onChange(() => {
        this.net = mesh.status();
        void this.loadInvites();
      });
    };
    running.network.onChange(watchMesh);
    watchMesh();
    this.inviteTabs.onmessage = () => {
      void running.network.mesh?.refreshInvites();
      void this.loadInvites();
    };
    void this.loadInvites();
    this.status = 'ready';
  }
}
