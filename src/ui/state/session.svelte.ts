/**
 * The UI's view of this device's Kith: whether someone has onboarded, the running peer, and
 * what changed in the views. The timeline, a person's posts, the notifications and a post's
 * replies read through their own `LiveQuery`, told by `peer.onChange` what a change concerns;
 * names, pictures and the friend list here are read again only for the people a change names.
 * `version` still ticks on every change for the screens that read everything again.
 */
import type { ConversationKey } from '../../core/peer/messaging.ts';
import type { DeviceId, PersonId } from '../../core/ids.ts';
import type { Pairing, RelayView } from '../../core/pairing/relay-desk.ts';
import type { DocRef } from '../../core/kinds/registry.ts';
import type { ReplyTag } from '../../core/crypto/reply-tag.ts';
import type { KithHandle, Running } from '../../boot.ts';
import type { LinkOffering } from '../../boot-link.ts';
import type { Identity } from '../../core/identity/keys.ts';
import type { OwnDevice } from '../../core/peer/own-device-list.ts';
import type * as CoreApiModule from './core-api.ts';
import type { InviteRecords, AcceptanceRecord } from '../../core/mesh/invite-records.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { describeError } from './errors.ts';
import { systemClock } from '../../core/clock.ts';
import type { IssuedInvite } from '../../core/invite/invite-book.ts';
import type { Delivery } from '../../core/mesh/delivery.ts';
import type { MeshStatus } from '../../core/mesh/mesh.ts';
import type { NewPhoto, PostRef } from '../../core/peer/peer.ts';
import type { ViewChange } from '../../core/peer/view-change.ts';
import type { ViewWrite } from '../../core/store/storage-adapter.ts';
import type { CatchUpProgress, DeviceSearch } from '../../core/search/device-search.ts';
import { SystemNotifications } from './system-notifications.ts';
import { Preferences } from './preferences.svelte.ts';
import type { CertificateStatus } from '../../core/peer/device-authority.ts';
import { noteSafety, readSafety, type AccountSafety } from './account-safety.ts';
import { followMesh } from './follow-mesh.ts';
import { FreshReads, NewestReads } from './fresh-reads.ts';

type Status = 'loading' | 'onboarding' | 'ready' | 'failed';

/** Said when a linked device is asked what only the identity device does. */
const NOT_IDENTITY_DEVICE =
  'Only the device that holds your identity key can do this: open Kith there.';

type CoreApi = typeof CoreApiModule;

/** How often the certificate's "expiring soon" is looked at again. */
const CERTIFICATE_CHECK_MS = 60 * 60 * 1000;

/** How often the home peers' "online" is read again. */
const HOME_PEER_CHECK_MS = 15_000;

/** How many of the newest notifications the Notifications screen lists. */
export const NOTIFICATION_PAGE = 50;

/** The session: one per page. */
export class Session {
  status = $state<Status>('loading');
  /** What went wrong, in words for a person, when `status` is `failed` (or a later failure). */
  problem = $state<string | null>(null);
  /** Ticks on every change to the views (for screens that have no query of their own). */
  version = $state(0);
  /** Ticks when a blob arrives: a photo shown as "on its way" may show now. */
  blobs = $state(0);
  /** Ticks when this person marks notifications read (the count and the list read again). */
  readVersion = $state(0);
  /** Ticks when the friend list may have changed. */
  friendsVersion = $state(0);
  // Ticks per person when their profile changed: their pictures are read again.
  private profileVersions = $state<Record<string, number>>({});
  /** Display names of people seen so far (from their profiles). */
  names = $state<Record<string, string>>({});
  running = $state.raw<Running | null>(null);
  /**
   * This person's friends, read again on every change to the views (as the screens did, each on
   * its own: whatever path moves the list, a change follows it) and when `friendsVersion` ticks.
   */
  readonly friends: readonly PersonId[] = $derived.by(() => {
    void this.version;
    void this.friendsVersion;
    return [...(this.running?.peer.friends().keys() ?? [])] as PersonId[];
  });
  /**
   * The network as this tab sees it: `null` while another tab holds the network role, or while
   * this tab starts it (`netElsewhere` tells which).
   */
  net = $state.raw<MeshStatus | null>(null);
  /** With no `net`: whether another tab holds the network (else this one is starting it). */
  netElsewhere = $state(false);
  /**
   * Object URLs of profile pictures, by `person/picture/size`; `null` while there is none or
   * its blob has not arrived. Read through {@link pictureOf}.
   */
  pictures = $state<Record<string, string | null>>({});
  /** Notification choices and muted people (this browser's). */
  readonly preferences = new Preferences();
  /** System notifications (the Notification API) for new items while the app is hidden. */
  readonly systemNotifications = new SystemNotifications({
    list: async (limit) => (await this.running?.peer.notificationsPage({ limit }))?.items ?? [],
    name: async (person) => (await this.running?.peer.profile(person))?.name ?? null,
    wanted: (item) => this.preferences.notifies(item, 'system'),
  });
  /** Whether this person has a way back if this browser is lost (`null` until read). */
  safety = $state.raw<AccountSafety | null>(null);
  /** Set right after onboarding: the recovery phrase is offered once before the app opens. */
  offerPhrase = $state(false);
  /** This device's certificate, read again whenever it changes. */
  certificate = $state.raw<CertificateStatus | null>(null);
  /** Search on this device, once its index is open (`null` before). */
  search = $state.raw<DeviceSearch | null>(null);
  /** How far indexing the posts held from before search existed has gone. */
  searchProgress = $state.raw<CatchUpProgress | null>(null);
  /** Whether new posts wait to be added to search until a long sync pauses. */
  searchBehind = $state(false);
  /** Ticks when the search index has taken in changes (a search shown answers again). */
  searchVersion = $state(0);
  invites = $state.raw<IssuedInvite[]>([]);
  /** This person's home peers, as the tab running the network sees them (`null` elsewhere). */
  homePeers = $state.raw<RelayView[] | null>(null);
  acceptances = $state.raw<AcceptanceRecord[]>([]);
  private handle: KithHandle | null = null;
  // Stops following another tab's deletion of this device's data; a tab deleting it stops first,
  // or it would hear its own announcement (every other channel object hears it, its own too).
  private unfollowForgetting: (() => void) | null = null;
  // The core, loaded as the session starts (see `core-api.ts`).
  private core: CoreApi | null = null;
  // Tabs tell each other when invite records change, so the network tab carries them.
  private readonly inviteTabs = new BroadcastChannel('kith-invites');
  // Picture keys read since the views last changed, and object URLs by blob id (a blob's bytes
  // never change, so its URL is made once per page). Plain on purpose: `pictureOf` runs while
  // rendering, where changing reactive state is an error; only `pictures` is reactive.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly freshPictures = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly blobUrls = new Map<string, string>();
  private readonly pictureReads = new NewestReads<string>();
  // Names read on first use and again when a profile changes (plain: `nameOf` runs while
  // rendering).
  private readonly nameReads = new FreshReads<PersonId>(
    (person) => this.readName(person),
    (person) => this.names[person] !== undefined,
  );

  /** A session over the Kith that `open` opens (`main.ts` passes it: the UI imports no wiring). */
  constructor(private readonly open: () => Promise<KithHandle>) {}

  /** Opens the store and the saved person, if any. */
  async start(): Promise<void> {
    try {
      const [core, opened] = await Promise.all([import('./core-api.ts'), this.open()]);
      this.core = core;
      this.handle = opened;
      if (opened.running) this.attach(opened.running);
      else this.status = 'onboarding';
    } catch (error) {
      this.problem = describeError(error);
      this.status = 'failed';
    }
  }

  /** Creates the person (onboarding), with a profile photo if one was picked. */
  async onboard(name: string, photo?: NewPhoto | null): Promise<void> {
    if (!this.handle) throw new Error('onboard before start');
    const running = await this.handle.createPerson(name);
    this.offerPhrase = true;
    this.attach(running);
    // The person exists now: a photo that fails to save must not send them back to onboarding
    // (a second try would create a second identity). They can add it on their profile.
    if (!photo) return;
    await running.peer.setProfile({ photo }).catch((error: unknown) => {
      this.problem = `Your photo could not be saved: ${describeError(error)}`;
    });
  }

  /**
   * Restores a person from their recovery phrase on this fresh browser: a new device and log.
   * A wrong word or checksum throws `RecoveryPhraseError` before anything is saved.
   */
  async restoreFromPhrase(text: string): Promise<void> {
    if (!this.handle) throw new Error('restore before start');
    const seed = this.api().seedFromPhrase(text);
    const running = await this.handle.restorePerson({ seed, friends: [], epoch: null });
    await noteSafety(this.handle.store, 'phraseAt', systemClock.now());
    this.attach(running);
  }

  /**
   * Restores a person from a backup file (its friends and epoch too). A wrong passphrase or a
   * damaged, cut or newer file throws `IdentityExportError` before anything is saved.
   */
  async restoreFromBackup(file: Uint8Array, passphrase: string): Promise<void> {
    if (!this.handle) throw new Error('restore before start');
    const backup = await this.api().importBackup(file, passphrase);
    const running = await this.handle.restorePerson(backup);
    await noteSafety(this.handle.store, 'backupAt', systemClock.now());
    this.attach(running);
  }

  /** The 24 words of this person's recovery phrase. */
  recoveryPhrase(): string[] {
    return this.api().phraseFromSeed(this.identity().seed);
  }

  /** An encrypted backup file of this person, as of now. */
  async makeBackup(passphrase: string): Promise<Uint8Array> {
    const running = this.ready();
    const core = this.api();
    const file = await core.exportBackup(
      await core.backupOf(this.identity(), running.peer),
      passphrase,
    );
    this.safety = await noteSafety(running.store, 'backupAt', systemClock.now());
    return file;
  }

  /** Records that the phrase was written down, or that the reminder was dismissed. */
  async noteSafety(fact: 'phraseAt' | 'dismissedAt'): Promise<void> {
    this.safety = await noteSafety(this.ready().store, fact, systemClock.now());
  }

  /**
   * The object URL of a person's profile picture (`thumb` for lists, `image` for their
   * profile), or `null` when they have none or it has not reached this device yet. Loads on
   * first use and again after the views change; safe to call while rendering.
   */
  pictureOf(
    person: PersonId,
    picture: 'avatar' | 'cover',
    which: 'image' | 'thumb',
  ): string | null {
    const key = `${person}/${picture}/${which}`;
    // Read so that a caller deriving from this re-runs when the picture may have changed.
    void [this.profileVersions[person], this.blobs];
    const current = this.pictures[key] ?? null;
    if (this.freshPictures.has(key) || !this.running) return current;
    this.freshPictures.add(key);
    const newest = this.pictureReads.begin(key);
    const peer = this.running.peer;
    void (async () => {
      const ref = (await peer.profile(person))?.[picture];
      const id = ref && (which === 'image' ? ref.blob : ref.thumb);
      let url = (id && this.blobUrls.get(id)) || null;
      if (ref && id && !url) {
        const bytes = await peer.profilePicture(person, picture, which);
        if (bytes) {
          url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: ref.mime }));
          this.blobUrls.set(id, url);
        }
      }
      if (newest() && this.pictures[key] !== url) this.pictures[key] = url;
    })().catch((error: unknown) => {
      this.problem = describeError(error);
    });
    return current;
  }

  /** The person using this device. */
  get me(): PersonId {
    if (!this.running) throw new Error('no person yet');
    return this.running.peer.me;
  }

  /**
   * Issues an invite link (valid a week, single use unless `multiUse`) with this person's name
   * signed into it; returns the link and the invite's id in the records.
   */
  async issueInvite(multiUse = false): Promise<{ link: string; inviteId: string }> {
    const running = this.ready();
    running.peer.assertRoomForFriends();
    const me = await running.peer.profile(running.peer.me);
    const core = this.api();
    const { link, inviteId } = await core.issueInvite({
      identity: this.identity(),
      keys: running.peer.inviteKeys,
      inviterName: me?.name,
      records: this.records(),
      clock: systemClock,
      origin: location.origin,
      signalingUrls: await this.opened().signalingUrls(),
      multiUse,
    });
    await this.invitesChanged();
    return { link, inviteId };
  }

  /** Withdraws an issued invite. */
  async revokeInvite(inviteId: string): Promise<void> {
    await this.api().revokeInvite(this.records(), inviteId);
    await this.invitesChanged();
  }

  /** Accepts an invite link; the friendship completes when the inviter's device answers. */
  async acceptInvite(link: string): Promise<AcceptanceRecord> {
    this.running?.peer.assertRoomForFriends();
    const core = this.api();
    const { record } = await core.acceptInvite({
      link,
      identity: this.identity(),
      keys: this.ready().peer.inviteKeys,
      records: this.records(),
      clock: systemClock,
      verifier: core.defaultVerifier,
    });
    await this.invitesChanged();
    return record;
  }

  /**
   * Starts pairing a home peer: the link to give it, and `onCode` called with the code it
   * shows. Only in the tab that runs the network (`homePeers` is not null there), on the device
   * that holds the identity key.
   */
  async pairHomePeer(onCode: (code: string) => void): Promise<Pairing> {
    return this.api().pairHomePeer(this.ready(), onCode, NOT_IDENTITY_DEVICE);
  }

  /**
   * Unpairs a home peer, on every device of the person: its certificate is revoked. A device
   * without the identity key takes it from the person's recovery phrase (`phrase`), as a removal.
   */
  async unpairHomePeer(device: DeviceId, phrase?: string): Promise<void> {
    await this.api().unpairHomePeer(this.ready(), device, phrase, NOT_IDENTITY_DEVICE);
  }

  /**
   * Deletes everything Kith keeps in this browser, keys included (`forget-device.ts`), then
   * opens the start screen.
   */
  async forgetThisDevice(): Promise<void> {
    const forget = await import('./forget-device.ts');
    this.unfollowForgetting?.();
    await forget.forgetThisDevice(
      forget.holdersOf(this.ready(), () => this.search),
      forget.browserPorts(),
    );
    forget.openStartScreen();
  }

  /** Removes a friend: a new friends epoch they cannot read. */
  async removeFriend(person: PersonId): Promise<void> {
    await this.ready().peer.removeFriend(person);
  }

  /**
   * Whether this device holds the person's identity key; a linked device (`false`) makes no
   * invites, phrase or backup, and links or removes no device.
   */
  get holdsIdentity(): boolean {
    return this.running?.kind === 'person';
  }

  /**
   * Makes a link for a new device (this device holds the identity); `onCode` shows the short
   * code once the new device answered.
   */
  offerLink(onCode: (code: string) => void): Promise<LinkOffering> {
    const running = this.ready();
    if (running.kind !== 'person') throw new Error(NOT_IDENTITY_DEVICE);
    return this.opened().offerLink(running.node, onCode);
  }

  /**
   * Links this fresh browser as another device of the person whose link this is; `onCode`
   * shows the short code at once. Resolves once the person confirmed on their first device.
   */
  async joinDevice(link: string, onCode: (code: string) => void): Promise<void> {
    const running = await this.opened().joinDevice(link, onCode);
    // The person's account lives on their first device too: no "you could lose it" here.
    await noteSafety(this.opened().store, 'dismissedAt', systemClock.now());
    this.attach(running);
  }

  /** The person's devices as this one knows them (`own-device-list.ts`), this one first. */
  async ownDevices(): Promise<OwnDevice[]> {
    const running = this.ready();
    return this.api().listOwnDevices({
      store: running.store,
      me: running.peer.me,
      thisDevice: running.node.device.key.deviceId,
      holdsIdentity: running.kind === 'person',
      revocations: running.node.revocations,
    });
  }

  /**
   * Whether the person's keys moved on without this device (it was removed, or linked before
   * device secrets): it reads nothing new until linked again (docs/devices.md).
   */
  keysLeftBehind(): boolean {
    return this.ready().peer.keysLeftBehind !== null;
  }

  /** The names the person gave their devices, on any of them (`kinds/devices.ts`). */
  deviceNames(): Promise<Record<string, string>> {
    return this.ready().peer.deviceNames();
  }

  /** Names one of the person's devices, on all of them (an empty name forgets it). */
  async renameDevice(device: DeviceId, name: string): Promise<void> {
    await this.ready().peer.renameDevice(device, name);
  }

  /**
   * Removes another device of this person: it is revoked, so friends refuse what it writes from
   * now on, and the person's keys move to their next generation, handed to the devices that stay,
   * with a new friends epoch (docs/devices.md). A device without the identity key takes it from
   * the person's recovery phrase (`phrase`; refused when it is not this person's).
   */
  async removeDevice(device: DeviceId, phrase?: string): Promise<void> {
    const running = this.ready();
    if (running.kind === 'person') {
      await running.devices.revokeDevice(device);
      await running.peer.nextKeyGeneration(await running.devices.linkedDevices());
    } else {
      if (phrase === undefined) throw new Error(NOT_IDENTITY_DEVICE);
      const identity = await this.api().identityFromPhraseOf(phrase, running.peer.me);
      // The identity device derives the new keys from the seed: the others are handed them.
      const stays = (await this.ownDevices())
        .filter((d) => !d.thisOne && !d.holdsIdentity && d.device !== device)
        .map((d) => d.device);
      await running.devices.revokeDevice(device, identity);
      await running.peer.nextKeyGeneration(stays, identity);
    }
    this.friendsVersion++;
  }

  private identity(): Identity {
    const running = this.ready();
    if (running.kind !== 'person') throw new Error(NOT_IDENTITY_DEVICE);
    return running.saved.identity;
  }

  private opened(): KithHandle {
    if (!this.handle) throw new Error('the session has not started');
    return this.handle;
  }

  private ready(): Running {
    if (!this.running) throw new Error('no person yet');
    return this.running;
  }

  private api(): CoreApi {
    if (!this.core) throw new Error('the core is used before the session started');
    return this.core;
  }

  private records(): InviteRecords {
    return new (this.api().InviteRecords)(this.ready().store);
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

  /**
   * Whether this device wrote to `ref` and no friend's device, or not every friend's, has taken
   * it yet; `null` when every friend has it (known in the tab that holds the network; elsewhere
   * nothing is marked). Someone with no friends has nobody to deliver to: nothing is pending.
   */
  deliveryOf(ref: DocRef): Delivery | null {
    const net = this.net;
    if (!net || net.friends.size === 0) return null;
    const delivery = net.pending.get(this.api().docIdOf(ref)) ?? null;
    // A message is for its members; anything else for friends (a fellow member who is not a
    // friend holds one's log as ciphertext only).
    if (ref.kind === 'message' || delivery?.reached !== 'some') return delivery;
    const lacking = delivery.lacking.filter((person) => net.friends.has(person));
    return lacking.length > 0 ? { reached: 'some', lacking } : null;
  }

  /** {@link deliveryOf} for a reply to `post` this device wrote, by its item id. */
  replyDeliveryOf(itemId: string, post: PostRef, tag: ReplyTag | null): Delivery | null {
    const { ref } = this.api().replyOfItem(itemId, {
      postAuthor: post.author,
      postId: post.postId,
    });
    // Its doc names a friends-only post by its reply tag, unless written before opaque ids.
    return (tag && this.deliveryOf({ ...ref, tag })) || this.deliveryOf(ref);
  }

  /**
   * The notifications the Notifications screen lists, newest first: the newest
   * {@link NOTIFICATION_PAGE}, without the kinds the person turned off in the app and without
   * muted people's. The navigation's count is of the unread ones among them, so it counts what
   * the screen shows and clears as they are seen. Callers that re-read on change read
   * `preferences.choices` and `preferences.muted` themselves (this reads them after a wait).
   */
  async listedNotifications(): Promise<NotificationView[]> {
    const page = await this.ready().peer.notificationsPage({ limit: NOTIFICATION_PAGE });
    return page.items.filter((item) => this.preferences.notifies(item, 'app'));
  }

  /** Marks notifications read. */
  async markRead(ids: readonly string[]): Promise<void> {
    await this.ready().store.markRead(ids);
    this.readVersion++;
  }

  /** Marks a conversation read (the navigation's count of unread messages follows). */
  async markConversationRead(conversation: ConversationKey): Promise<void> {
    await this.ready().peer.messaging.markRead(conversation);
    this.readVersion++;
  }

  /** A person's display name, loading it on first use. */
  nameOf(person: PersonId): string {
    const known = this.names[person];
    if (known !== undefined) return known;
    if (this.running) this.nameReads.load(person);
    return '…';
  }

  private async readName(person: PersonId): Promise<void> {
    try {
      const profile = await this.running?.peer.profile(person);
      if (profile === undefined) return;
      const name = profile?.name ?? 'Someone';
      if (this.names[person] !== name) this.names[person] = name;
    } catch (error) {
      this.problem = describeError(error);
    }
  }

  /**
   * Reads again the names a change may have replaced, forgets its pictures (they reload on next
   * use, the old ones showing meanwhile) and ticks what depends on the friend list or on blobs.
   */
  private changed(change: ViewChange): void {
    if (change.cause === 'blob') {
      // A picture not held yet may have arrived; the ones shown are final (blobs never change).
      for (const key of this.freshPictures) if (!this.pictures[key]) this.freshPictures.delete(key);
      this.blobs++;
      return;
    }
    // Each (author, kind) is named once in a change.
    const people =
      change.cause === 'fork'
        ? [change.author]
        : change.docs.filter((doc) => doc.kind === 'profile').map((doc) => doc.author);
    for (const person of people) {
      this.nameReads.changed(person);
      for (const key of this.freshPictures)
        if (key.startsWith(`${person}/`)) this.freshPictures.delete(key);
      this.profileVersions[person] = (this.profileVersions[person] ?? 0) + 1;
    }
    if (change.cause === 'fork' || change.docs.some((doc) => doc.kind === 'friends'))
      this.friendsVersion++;
  }

  /**
   * Opens search and lets its indexer follow the views. The index's code loads on demand; view
   * changes written meanwhile are kept and handed over first, so none is missed.
   */
  private startSearch(running: Running): void {
    const early: ViewWrite[] = [];
    const stopEarly = running.peer.onViewWrites((writes) => early.push(...writes));
    void import('./search-api.ts')
      .then(({ DeviceSearch, searchSourceOf }) => {
        const source = searchSourceOf(running.peer, running.store);
        return DeviceSearch.start(
          {
            ...source,
            onViewWrites: (listener) => {
              stopEarly();
              const stop = source.onViewWrites(listener);
              listener(early.splice(0));
              return stop;
            },
          },
          {
            onProgress: (progress) => (this.searchProgress = progress),
            onIndexed: () => this.searchVersion++,
            onBehind: (behind) => (this.searchBehind = behind),
          },
        );
      })
      .then((search) => {
        this.search = search;
        // The benchmark and e2e tests time and wait for it (as `kithTest`, only when asked).
        if (globalThis.localStorage?.getItem('kith:test-hooks') === '1')
          (globalThis as unknown as { kithSearch?: DeviceSearch }).kithSearch = search;
      })
      .catch((error: unknown) => {
        stopEarly();
        this.problem = `Search could not start: ${describeError(error)}`;
      });
  }

  private attach(running: Running): void {
    this.running = running;
    this.startSearch(running);
    running.peer.onChange((change) => {
      this.version++;
      this.changed(change);
      void this.systemNotifications.check();
    });
    running.peer.onError((error) => {
      this.problem = describeError(error);
    });
    const watchRelays = () => {
      const relays = running.network.relays;
      this.homePeers = relays?.relays() ?? null;
      relays?.onChange(() => (this.homePeers = relays.relays()));
    };
    running.network.onChange(watchRelays);
    watchRelays();
    followMesh(running.network, (mesh) => {
      this.net = mesh?.status() ?? null;
      this.netElsewhere = running.network.following;
      if (!mesh) return;
      // A friend's acceptance, or an invite's answer, is noted by the mesh, not the views.
      void this.systemNotifications.check();
      void this.loadInvites();
    });
    // A home peer that stops reporting goes offline without a word: read again now and then.
    setInterval(() => {
      const relays = running.network.relays;
      if (relays) this.homePeers = relays.relays();
    }, HOME_PEER_CHECK_MS);
    // "Expiring soon" depends on the date as well as on renewals: read again every hour too.
    const readCertificate = () => (this.certificate = running.devices.status());
    running.devices.onChange(readCertificate);
    setInterval(readCertificate, CERTIFICATE_CHECK_MS);
    readCertificate();
    void readSafety(running.store).then((safety) => (this.safety = safety));
    this.inviteTabs.onmessage = () => {
      void running.network.mesh?.refreshInvites();
      void this.loadInvites();
    };
    void this.loadInvites();
    // Another tab deleting this device's data: let go of the databases, then start afresh.
    void import('./forget-device.ts').then(
      (forget) =>
        (this.unfollowForgetting = forget.followForgetting(
          forget.browserPorts().channel,
          forget.holdersOf(running, () => this.search),
          forget.openStartScreen,
        )),
    );
    // What arrived while the app was closed is remembered as seen (or, on a page opened in
    // the background, announced once).
    void this.systemNotifications.check();
    this.status = 'ready';
  }
}
