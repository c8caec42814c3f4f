/**
 * The browser's wiring of linking a device (`core/link/*`, docs/devices.md): both sides reach
 * each other over this origin's signaling servers, through clients of their own, opened for the
 * link and closed after it (the mesh's may live in another tab). `boot.ts` loads this module with
 * `import()` only when a link is made or opened.
 */
import { systemClock } from './core/clock.ts';
import { joinOverSignaling, listenForLink } from './core/link/link-channel.ts';
import { linkPayloadFromText, linkUrl } from './core/link/link-codec.ts';
import { LinkJoin, LinkOffer, type LinkedDevice } from './core/link/link-session.ts';
import { SignalingClient } from './core/net/signaling-client.ts';
import { SignalingPool } from './core/net/signaling-pool.ts';
import type { PersonNode } from './core/node.ts';

/** A link shown on the identity device, until it is confirmed, refused, expired or closed. */
export interface LinkOffering {
  /** The link to open on the new device (also shown as a QR code). */
  readonly url: string;
  /** When the link stops being answerable, ms since epoch. */
  readonly expiresAt: number;
  /** The codes match: certifies the new device and sends it what it needs. */
  confirm(): Promise<void>;
  /** The codes differ: nothing is sent, the link is spent. */
  refuse(): void;
  /** Stops listening (the link's screen closed). */
  stop(): void;
}

function signalingOn(urls: readonly string[]): { pool: SignalingPool; stop: () => void } {
  const clients = urls.map((url) => new SignalingClient({ url, WebSocket }));
  for (const client of clients) client.start();
  return {
    pool: new SignalingPool(clients),
    stop: () => {
      for (const client of clients) client.stop();
    },
  };
}

/** Makes a link for `node`'s person and listens for the new device; `onCode` shows its code. */
export async function offerLink(
  node: PersonNode,
  urls: readonly string[],
  onCode: (code: string) => void,
): Promise<LinkOffering> {
  const offer = await LinkOffer.create(node, systemClock);
  const signaling = signalingOn(urls);
  const listener = await listenForLink({
    offer,
    signaling: signaling.pool,
    clock: systemClock,
    onCode,
  });
  return {
    url: linkUrl(location.origin, offer.bytes),
    expiresAt: offer.expiresAt,
    confirm: () => listener.confirm(),
    refuse: () => listener.refuse(),
    stop: () => {
      listener.stop();
      signaling.stop();
    },
  };
}

/**
 * Opens a link (as pasted or opened) on this new device: `onCode` shows the short code at once;
 * resolves when the identity device confirmed and its bundle arrived. Refusals are `LinkError`s.
 */
export async function joinLink(
  text: string,
  urls: readonly string[],
  options: { extractable: boolean; onCode: (code: string) => void },
): Promise<LinkedDevice> {
  const payload = linkPayloadFromText(text);
  const join = await LinkJoin.open(payload, {
    clock: systemClock,
    extractable: options.extractable,
  });
  options.onCode(join.code);
  const signaling = signalingOn(urls);
  try {
    return await joinOverSignaling({
      join,
      payload,
      signaling: signaling.pool,
      clock: systemClock,
    });
  } finally {
    signaling.stop();
  }
}
