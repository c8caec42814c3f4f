/**
 * The shared sync suite (`core/sync/sync-suite.ts`) over real WebRTC data channels: werift
 * peers in this process, connected over loopback alone (no packet leaves the machine), each end
 * wrapped as the connection manager wraps a friend's channel (the data tap, the framed and paced
 * transport).
 */
import { afterEach } from 'vitest';
import type { Transport } from '../core/sync/transport.ts';
import { syncSuite, type SuiteNetwork } from '../core/sync/sync-suite.ts';
import { connectPair } from './self-check.ts';
import { WeriftPeer } from './werift-peer.ts';

const PEER_OPTIONS = { config: { iceServers: [] }, trickle: true } as const;
/** Real connections on a shared machine: a test makes up to four. */
const TEST_TIMEOUT_MS = 60_000;

/** Every link made, to close after each test. */
const links: {
  readonly names: [string, string];
  readonly ends: Transport[];
  readonly peers: WeriftPeer[];
}[] = [];
afterEach(() => {
  for (const l of links.splice(0)) close(l);
});

function close(l: (typeof links)[number]): void {
  for (const end of l.ends) end.close('test over');
  for (const peer of l.peers) peer.destroy();
}

/** Counts each message delivered to the engine, as the in-memory network does. */
function counted(inner: Transport, stats: { delivered: number }): Transport {
  return {
    get maxMessageSize() {
      return inner.maxMessageSize;
    },
    get memory() {
      return inner.memory;
    },
    get open() {
      return inner.open;
    },
    send: (message) => inner.send(message),
    onMessage: (handler) =>
      inner.onMessage((message) => {
        stats.delivered++;
        handler(message);
      }),
    onClose: (handler) => inner.onClose(handler),
    close: (reason) => inner.close(reason),
  };
}

function weriftNetwork(): SuiteNetwork {
  const stats = { delivered: 0 };
  return {
    stats,
    async connect(a, b) {
      // Tried twice, as the home peer's self-check does: under heavy load werift's ICE can give
      // up on loopback once.
      for (let attempt = 1; ; attempt++) {
        const peers: [WeriftPeer, WeriftPeer] = [
          new WeriftPeer({ ...PEER_OPTIONS, initiator: true }, { loopbackOnly: true }),
          new WeriftPeer({ ...PEER_OPTIONS, initiator: false }, { loopbackOnly: true }),
        ];
        try {
          const ends = await connectPair(peers);
          links.push({ names: [a, b], ends, peers });
          return [counted(ends[0], stats), counted(ends[1], stats)];
        } catch (error) {
          for (const peer of peers) peer.destroy();
          if (attempt === 2) throw error;
        }
      }
    },
    restart(name) {
      for (const l of links.filter((x) => x.names.includes(name))) {
        links.splice(links.indexOf(l), 1);
        close(l);
      }
    },
  };
}

syncSuite('werift data channels', weriftNetwork, TEST_TIMEOUT_MS);
