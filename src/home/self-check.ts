/**
 * `--check`: proves that WebRTC works in this file on this machine. Two werift peers in this
 * process connect over loopback alone (no packet leaves the machine, no server is asked), each
 * wrapped as the home peer wraps a friend's connection (the data tap and the framed, paced
 * transport), and send each other a message of several pieces; both must arrive intact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DataChannelTransport } from '../core/net/data-channel-transport.ts';
import { PeerDataTap } from '../core/net/peer-data-tap.ts';
import type { SignalLike } from '../core/net/connection-manager.ts';
import { WeriftPeer } from './werift-peer.ts';

/** What the check found; `detail` is the line shown. */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** Bytes sent each way: several pieces, so framing and pacing are exercised too. */
const CHECK_BYTES = 1024 * 1024;
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Connects `peers` (an initiator and an answerer, signals passed in memory) and gives each a
 * transport as the connection manager does (also the sync suite's link over werift).
 */
export async function connectPair(
  peers: readonly [WeriftPeer, WeriftPeer],
): Promise<[DataChannelTransport, DataChannelTransport]> {
  const [a, b] = peers;
  a.on('signal', (signal: SignalLike) => b.signal(signal));
  b.on('signal', (signal: SignalLike) => a.signal(signal));
  // Taps from creation, as the manager does: nothing either side sends early is lost.
  const taps = peers.map(
    (peer) => new PeerDataTap(peer, CHECK_BYTES * 2, (error) => peer.emit('error', error)),
  );
  await Promise.all(peers.map((peer) => connected(peer)));
  const [ta, tb] = peers.map(
    (peer, i) =>
      new DataChannelTransport(taps[i]!.channel(peer._channel!), {
        remoteMaxMessageSize: peer._pc.sctp?.maxMessageSize,
      }),
  );
  return [ta!, tb!];
}

function connected(peer: WeriftPeer): Promise<void> {
  return new Promise((resolve, reject) => {
    peer.once('connect', () => resolve());
    peer.once('error', (error: Error) => reject(error));
    peer.once('close', () => reject(new Error('closed before connecting')));
  });
}

/**
 * Runs the check; never rejects. A connection that fails is tried once more: on a machine
 * under heavy load werift's ICE can give up on loopback once (seen at a load average near 10),
 * while a machine where WebRTC does not work fails both times.
 */
export async function selfCheck(): Promise<CheckResult> {
  const first = await checkOnce();
  return first.ok ? first : checkOnce();
}

async function checkOnce(): Promise<CheckResult> {
  const options = { config: { iceServers: [] }, trickle: true };
  const loopback = { loopbackOnly: true };
  const peers = [
    new WeriftPeer({ ...options, initiator: true }, loopback),
    new WeriftPeer({ ...options, initiator: false }, loopback),
  ] as const;
  const started = performance.now();
  try {
    return await withDeadline(
      connectPair(peers).then((transports) => exchange(transports, performance.now() - started)),
      CHECK_TIMEOUT_MS,
    );
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const peer of peers) peer.destroy();
  }
}

/** Sends {@link CHECK_BYTES} each way over `pair` and compares what arrived. */
async function exchange(
  [a, b]: readonly [DataChannelTransport, DataChannelTransport],
  openedMs: number,
): Promise<CheckResult> {
  const toB = randomBytes(CHECK_BYTES);
  const toA = randomBytes(CHECK_BYTES);
  const atB = firstMessage(b);
  const atA = firstMessage(a);
  await Promise.all([a.send(toB), b.send(toA)]);
  const [gotB, gotA] = await Promise.all([atB, atA]);
  if (digest(gotB) !== digest(toB) || digest(gotA) !== digest(toA)) {
    return { ok: false, detail: 'the data arrived altered' };
  }
  return {
    ok: true,
    detail:
      `WebRTC works here: a data channel over loopback opened in ${Math.round(openedMs)} ms ` +
      `and carried ${CHECK_BYTES / 1024 / 1024} MiB each way intact`,
  };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function firstMessage(transport: DataChannelTransport): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const stop = transport.onMessage((message) => {
      stop();
      resolve(message);
    });
    transport.onClose((info) => reject(new Error(`connection closed: ${info.reason}`)));
  });
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
