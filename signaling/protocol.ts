/**
 * y-webrtc's signaling protocol, as its `bin/server.js` and its client speak it: JSON text frames.
 *
 *   client -> server  {type:'subscribe',   topics: string[]}
 *   client -> server  {type:'unsubscribe', topics: string[]}
 *   client -> server  {type:'publish', topic: string, data: unknown}
 *   server -> every subscriber of topic (the sender too, if subscribed)
 *                     {type:'publish', topic, data, clients: <subscriber count>}
 *   client -> server  {type:'ping'}   answered   {type:'pong'}
 *
 * Kith adds one frame, which y-webrtc clients ignore as an unknown type:
 *
 *   server -> client  {type:'refused', op:'subscribe', topic, reason}   a topic it did not subscribe
 *                     (reason 'connection-topic-cap' | 'topic-full' | 'server-topic-cap')
 *   server -> client  {type:'refused', op:'publish', topic, reason:'relay-budget'}   a publish it
 *                     dropped because the sender's relay budget was spent
 *
 * A subscribe frame is carried topic by topic: the ones that fit are subscribed, each other one is
 * refused by its own frame, and the connection stays open.
 *
 * Every frame from a client is decoded here, once, into a `ClientMessage` or a typed reason to
 * refuse it. Unknown `type`s are ignored rather than refused, as y-webrtc's server does, so newer
 * clients keep working; a frame that is not a well-formed message of a known type is refused.
 */

/** Subscribe the connection to each topic. */
export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly topics: readonly string[];
}
/** Unsubscribe the connection from each topic. */
export interface UnsubscribeMessage {
  readonly type: 'unsubscribe';
  readonly topics: readonly string[];
}
/** Relay `data` (opaque JSON) to the topic's subscribers. */
export interface PublishMessage {
  readonly type: 'publish';
  readonly topic: string;
  readonly data: unknown;
}
/** Application-level liveness check, answered by `{type:'pong'}`. */
export interface PingMessage {
  readonly type: 'ping';
}
/** A message a client may send. */
export type ClientMessage = SubscribeMessage | UnsubscribeMessage | PublishMessage | PingMessage;

/** Why a frame was refused; `limit` reasons close with 1008, `malformed` ones with 1007. */
export type RefusalKind = 'malformed' | 'limit';

/** What decoding one frame gives. */
export type DecodeResult =
  | { readonly kind: 'message'; readonly message: ClientMessage }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'refused'; readonly refusal: RefusalKind; readonly reason: string };

/** The limits that decoding itself checks. */
export interface DecodeLimits {
  readonly maxTopicLength: number;
}

/** Why a subscription was refused (the connection's cap, the topic's, or the server's). */
export type SubscribeRefusalReason = 'connection-topic-cap' | 'topic-full' | 'server-topic-cap';

/** The `refused` frame: what the server did not do, for which topic, and why. */
export type Refusal =
  | { readonly op: 'subscribe'; readonly topic: string; readonly reason: SubscribeRefusalReason }
  | { readonly op: 'publish'; readonly topic: string; readonly reason: 'relay-budget' };

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a topic name the server can hold: a non-empty string. */
export function isTopic(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

const refuse = (refusal: RefusalKind, reason: string): DecodeResult => ({
  kind: 'refused',
  refusal,
  reason,
});

function checkTopic(topic: unknown, limits: DecodeLimits): DecodeResult | undefined {
  if (!isTopic(topic)) return refuse('malformed', 'topic must be a non-empty string');
  if (topic.length > limits.maxTopicLength) return refuse('limit', 'topic too long');
  return undefined;
}

function decodeTopicList(
  type: 'subscribe' | 'unsubscribe',
  record: Record<string, unknown>,
  limits: DecodeLimits,
): DecodeResult {
  const topics = record.topics;
  // No cap on the list's length here: maxMessageBytes bounds it, and the hub refuses topics
  // beyond a connection's cap one by one rather than the whole frame.
  if (!Array.isArray(topics)) return refuse('malformed', `${type}: topics must be an array`);
  for (const topic of topics) {
    const problem = checkTopic(topic, limits);
    if (problem) return problem;
  }
  return { kind: 'message', message: { type, topics: topics as string[] } };
}

/** Decodes one text frame. Never throws. */
export function decodeClientMessage(text: string, limits: DecodeLimits): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refuse('malformed', 'not JSON');
  }
  if (!isRecord(parsed)) return refuse('malformed', 'not a JSON object');
  const type = parsed.type;
  if (typeof type !== 'string') return refuse('malformed', 'type must be a string');
  switch (type) {
    case 'subscribe':
    case 'unsubscribe':
      return decodeTopicList(type, parsed, limits);
    case 'publish': {
      const problem = checkTopic(parsed.topic, limits);
      if (problem) return problem;
      if (!Object.hasOwn(parsed, 'data')) return refuse('malformed', 'publish: data missing');
      return {
        kind: 'message',
        message: { type, topic: parsed.topic as string, data: parsed.data },
      };
    }
    case 'ping':
      return { kind: 'message', message: { type } };
    default:
      return { kind: 'ignored', reason: 'unknown message type' };
  }
}

/**
 * Encodes the frame relayed for a publish. Throws `RangeError` when `data` cannot be serialized
 * (nesting deep enough to exhaust the stack); the caller refuses that publish.
 */
export function encodeRelay(topic: string, data: unknown, clients: number): string {
  return JSON.stringify({ type: 'publish', topic, data, clients });
}

/** Encodes a `refused` frame. */
export function encodeRefusal(refusal: Refusal): string {
  return JSON.stringify({
    type: 'refused',
    op: refusal.op,
    topic: refusal.topic,
    reason: refusal.reason,
  });
}

/** The answer to `{type:'ping'}`. */
export const PONG_FRAME = JSON.stringify({ type: 'pong' });
