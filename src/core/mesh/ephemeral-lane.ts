/**
 * A lane for what is said only while two devices are connected and never stored (a typing
 * indicator): small frames over the connection replication already uses, told apart from sync
 * messages by their first byte, {@link EPHEMERAL_TYPE}, which no sync message has (those are
 * 1 to 8, `sync/messages.ts`). Nothing here is signed or logged: the connection's remote is the
 * authenticated device of `person` (the connection manager's hellos), and what a frame means is
 * for its listener to check. A frame over {@link MAX_EPHEMERAL_BYTES} or beyond a person's
 * allowance is dropped (counted, logged once per connection), never passed on: a peer cannot
 * make this lane cost more than a few small frames a second.
 */
import type { PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { TokenBucket } from '../net/token-bucket.ts';
import type { Transport } from '../sync/transport.ts';

const log = createLogger('kith:mesh');

/** The first byte of every ephemeral frame. */
export const EPHEMERAL_TYPE = 0x40;
/** Largest ephemeral frame, type byte included. */
export const MAX_EPHEMERAL_BYTES = 256;
/** Frames taken from one person: 10 at once, then one per 250 ms. */
const ALLOWANCE = { capacity: 10, refillMs: 250 };

/** Receives the body (after the type byte) of a frame from a device of `person`. */
export type FrameListener = (person: PersonId, body: Uint8Array) => void;

/** The ephemeral lanes of every connection of one device. */
export class EphemeralLanes {
  private readonly connections = new Map<PersonId, Set<Transport>>();
  private readonly allowances = new Map<PersonId, TokenBucket>();
  private readonly listeners = new Set<FrameListener>();
  /** Frames dropped: too large, or beyond a person's allowance. */
  dropped = 0;

  constructor(private readonly now: () => number) {}

  /**
   * Takes the ephemeral frames out of a connection to a device of `person`: the transport
   * returned carries everything else, for sync.
   */
  attach(person: PersonId, transport: Transport): Transport {
    const open = this.connections.get(person) ?? new Set<Transport>();
    this.connections.set(person, open);
    open.add(transport);
    transport.onClose(() => {
      open.delete(transport);
      if (open.size === 0 && this.connections.get(person) === open) {
        this.connections.delete(person);
        this.allowances.delete(person);
      }
    });
    let warned = false;
    const take = (frame: Uint8Array) => {
      if (frame.length <= MAX_EPHEMERAL_BYTES && this.allowance(person).take(this.now())) {
        for (const listener of [...this.listeners]) listener(person, frame.subarray(1));
        return;
      }
      this.dropped++;
      if (!warned) log.warn('ephemeral frame dropped', { person, bytes: frame.length });
      warned = true;
    };
    return {
      get maxMessageSize() {
        return transport.maxMessageSize;
      },
      memory: transport.memory,
      get open() {
        return transport.open;
      },
      send: (message) => transport.send(message),
      onMessage: (handler) =>
        transport.onMessage((message) =>
          message[0] === EPHEMERAL_TYPE ? take(message) : handler(message),
        ),
      onClose: (handler) => transport.onClose(handler),
      close: (reason) => transport.close(reason),
    };
  }

  /**
   * Sends `body` as one frame to every open connection with a device of `person`; returns how
   * many took it (0: not connected now). Best effort: a frame lost with its connection is lost.
   */
  send(person: PersonId, body: Uint8Array): number {
    if (body.length + 1 > MAX_EPHEMERAL_BYTES) throw new RangeError('ephemeral frame too large');
    const frame = new Uint8Array(body.length + 1);
    frame[0] = EPHEMERAL_TYPE;
    frame.set(body, 1);
    let sent = 0;
    for (const transport of this.connections.get(person) ?? []) {
      if (!transport.open) continue;
      transport.send(frame).catch((error: unknown) => {
        log.debug('ephemeral frame not sent', { person, error: String(error) });
      });
      sent++;
    }
    return sent;
  }

  /** Whether a device of `person` is connected now. */
  connected(person: PersonId): boolean {
    return [...(this.connections.get(person) ?? [])].some((t) => t.open);
  }

  /** Calls `listener` with every frame taken; returns the unsubscribe. */
  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private allowance(person: PersonId): TokenBucket {
    let bucket = this.allowances.get(person);
    if (!bucket) {
      bucket = new TokenBucket(ALLOWANCE, this.now());
      this.allowances.set(person, bucket);
    }
    return bucket;
  }
}
