/**
 * The link's two messages over signaling: both devices meet on a topic derived from the link's
 * secret (purpose `link`), every message sealed with the signaling cipher of that secret, so the
 * server sees neither the request nor the bundle (the bundle is sealed again to the exchange,
 * `link-session.ts`). The new device publishes its request until an answer comes (the first
 * device may open the topic later); the first device answers one request, and sends the bundle
 * again to that same request repeated, so a lost publish costs nothing.
 *
 * A bundle travels in parts (`net/parts.ts`: each message must fit `MAX_SIGNAL_BOX_CHARS`, which
 * one bundle outgrows at about 350 friends); the new device opens it once it holds every part,
 * and refuses the link (`malformed`) on a part that cannot belong.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { bytesEqual } from '../bytes.ts';
import { createLogger } from '../log.ts';
import {
  openSealed,
  openSealedChannel,
  publishSealed,
  type SealedChannel,
} from '../net/sealed-channel.ts';
import type { SignalDirection } from '../net/signaling-crypto.ts';
import type { Signaling } from '../net/signaling-client.ts';
import {
  hasPartFields,
  PART_CHARS,
  PartCollector,
  PartError,
  toParts,
  type Part,
} from '../net/parts.ts';
import { LinkError, decodeLinkPayload } from './link-codec.ts';
import type { LinkOffer, LinkedDevice } from './link-session.ts';

const log = createLogger('kith:link');

const NEW_TO_FIRST: SignalDirection = { from: utf8('kith/link/new'), to: utf8('kith/link/first') };
const FIRST_TO_NEW: SignalDirection = { from: NEW_TO_FIRST.to, to: NEW_TO_FIRST.from };
/** Most parts of one bundle: a bundle of `MAX_LINK_FRIENDS` friends needs 28. */
const MAX_PARTS = 32;

type LinkWire =
  | { readonly type: 'request'; readonly request: string }
  | ({ readonly type: 'bundle' } & Part)
  | { readonly type: 'refused' };

function isLinkWire(value: unknown): value is LinkWire {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'refused') return true;
  if (v.type === 'request') return typeof v.request === 'string' && v.request.length <= PART_CHARS;
  return v.type === 'bundle' && hasPartFields(v);
}

/** A sealed bundle as the messages that carry it. */
function bundleParts(sealed: Uint8Array): LinkWire[] {
  return toParts(sealed, MAX_PARTS).map((part) => ({ type: 'bundle', ...part }));
}

function linkChannel(payload: Uint8Array): Promise<SealedChannel> {
  return openSealedChannel(decodeLinkPayload(payload).secret, 'link');
}

/** The message in `data`, or `null` for what is not one to us (our own echo, a stranger's). */
async function receiveOn(
  channel: SealedChannel,
  direction: SignalDirection,
  data: unknown,
  clock: Clock,
): Promise<LinkWire | null> {
  const message = await openSealed(channel, direction, data, clock);
  return isLinkWire(message) ? message : null;
}

/** Publishes `message` on the channel (a publish that fails is retried by the new device). */
function send(
  signaling: Signaling,
  channel: SealedChannel,
  direction: SignalDirection,
  message: LinkWire,
  clock: Clock,
): void {
  publishSealed(signaling, channel, direction, message, clock, 'a link message');
}

/** The first device's side over signaling: `onCode` shows the code; the person decides. */
export interface LinkListener {
  /** The codes match: certifies the new device and sends its bundle. */
  confirm(): Promise<void>;
  /** The codes differ: tells the new device, sends nothing. */
  refuse(): void;
  stop(): void;
}

/** What the channel needs of the first device's side: a device's link, or a home peer's pairing. */
export type OfferSide = Pick<LinkOffer, 'bytes' | 'answer' | 'refuse' | 'confirm'>;

/** What the channel needs of the new device's side, finishing with a `T`. */
export interface JoinSide<T> {
  readonly request: Uint8Array;
  finish(sealed: Uint8Array): Promise<T>;
}

/** Listens for the answer to `offer` on its topic. */
export async function listenForLink(options: {
  offer: OfferSide;
  signaling: Signaling;
  clock: Clock;
  onCode: (code: string) => void;
}): Promise<LinkListener> {
  const { offer, signaling, clock } = options;
  const channel = await linkChannel(offer.bytes);
  let answered: Uint8Array | undefined;
  let reply: readonly LinkWire[] = [];
  let inbox: Promise<void> = Promise.resolve();
  const receive = async (data: unknown) => {
    const message = await receiveOn(channel, NEW_TO_FIRST, data, clock);
    if (message?.type !== 'request') return;
    const request = fromBase64Url(message.request);
    if (answered) {
      // The same request again: its answer was lost. Any other is refused by the offer.
      if (bytesEqual(request, answered)) {
        for (const message of reply) send(signaling, channel, FIRST_TO_NEW, message, clock);
      }
      return;
    }
    const code = await offer.answer(request);
    answered = request;
    options.onCode(code);
  };
  const unsubscribe = signaling.subscribe(channel.topic, (data) => {
    inbox = inbox
      .then(() => receive(data))
      .catch((error: unknown) => log.info('a link message dropped', { error: String(error) }));
  });
  const answer = (messages: readonly LinkWire[]) => {
    reply = messages;
    for (const message of messages) send(signaling, channel, FIRST_TO_NEW, message, clock);
  };
  return {
    confirm: async () => answer(bundleParts(await offer.confirm())),
    refuse: () => {
      offer.refuse();
      answer([{ type: 'refused' }]);
    },
    stop: unsubscribe,
  };
}

/**
 * The new device's side over signaling: publishes the request every `retryMs` until the first
 * device sends the bundle (resolves) or says the codes differed (`LinkError('refused')`).
 */
export async function joinOverSignaling<T = LinkedDevice>(options: {
  join: JoinSide<T>;
  payload: Uint8Array;
  signaling: Signaling;
  clock: Clock;
  retryMs?: number;
}): Promise<T> {
  const { join, signaling, clock } = options;
  const channel = await linkChannel(options.payload);
  const request: LinkWire = { type: 'request', request: toBase64Url(join.request) };
  let unsubscribe = () => undefined as unknown;
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      let inbox: Promise<void> = Promise.resolve();
      // One bundle per exchange (a resent bundle is the same bundle, so the same parts).
      const parts = new PartCollector({ maxParts: MAX_PARTS });
      const receive = async (data: unknown) => {
        const message = await receiveOn(channel, FIRST_TO_NEW, data, clock);
        if (message?.type === 'refused') reject(new LinkError('refused'));
        if (message?.type !== 'bundle') return;
        const sealed = refusingParts(() => parts.add('', message));
        if (sealed) resolve(await join.finish(sealed));
      };
      unsubscribe = signaling.subscribe(channel.topic, (data) => {
        inbox = inbox.then(() => receive(data)).catch(reject);
      });
      send(signaling, channel, NEW_TO_FIRST, request, clock);
      timer = setInterval(
        () => send(signaling, channel, NEW_TO_FIRST, request, clock),
        options.retryMs ?? 2_000,
      );
    });
  } finally {
    clearInterval(timer);
    unsubscribe();
  }
}

/** A part that cannot belong refuses the link: `LinkError('malformed')` saying why. */
function refusingParts<T>(take: () => T): T {
  try {
    return take();
  } catch (error) {
    if (error instanceof PartError) throw new LinkError('malformed', error.message);
    throw error;
  }
}
