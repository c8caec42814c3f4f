import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  addressGroup,
  clientAddress,
  NO_TRUSTED_PROXIES,
  type TrustedProxies,
} from './client-address.ts';
import type { Logger } from './log.ts';
import type { SignalingLimits } from './limits.ts';
import {
  decodeClientMessage,
  encodeRefusal,
  encodeRelay,
  PONG_FRAME,
  type ClientMessage,
  type Refusal,
} from './protocol.ts';
import { RefusalThrottle } from './refusal-throttle.ts';
import { TokenBucket } from './token-bucket.ts';
import { TopicRegistry, type TopicStats } from './topic-registry.ts';

/** The one path at which the signaling WebSocket is served (a query string is allowed). */
export const SIGNALING_PATH = '/signaling';

/** WebSocket close codes the hub uses (RFC 6455 section 7.4.1). */
export const CLOSE_CODES = Object.freeze({
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
});

/** Counts reported by `/health` and `RunningServer.stats()`. */
export interface HubStats extends TopicStats {
  connections: number;
}

/** The topic pub/sub behind `/signaling`, attachable to any Node HTTP(S) server. */
export interface SignalingHub {
  /**
   * Takes over an HTTP upgrade when its path is `/signaling` and returns true; returns false and
   * leaves the socket alone otherwise, so another listener (Vite's HMR socket) may take it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Current connection, (non-empty) topic and subscription counts. */
  stats(): HubStats;
  /** Closes every client (1001), stops the heartbeat and resolves when all sockets are gone. */
  close(): Promise<void>;
}

/**
 * Topics shared with other signaling processes (Redis pub/sub: redis-topics.ts). The hub joins a
 * topic when its first local subscriber arrives and leaves it when the last one goes, hands it
 * every accepted publish after delivering it locally, and delivers what other processes publish.
 */
export interface RemoteTopics {
  /**
   * `deliver` receives each publish another process made on a joined topic; it returns false when
   * the data cannot be relayed (nested too deeply to serialize), for the caller to count.
   */
  start(deliver: (topic: string, data: unknown) => boolean): void;
  join(topic: string): void;
  leave(topic: string): void;
  /** Passes a publish on to the other processes (never back to this one). */
  publish(topic: string, data: unknown): void;
}

/** What the hub needs from its owner. */
export interface HubOptions {
  limits: SignalingLimits;
  logger: Logger;
  /** Called with every accepted publish, whether or not the topic has subscribers. */
  onPublish?: (topic: string, data: unknown) => void;
  /** Proxies whose X-Forwarded-For names the client; none when omitted. */
  trustedProxies?: TrustedProxies;
  /** Monotonic milliseconds for the rate limits and budgets; `performance.now` when omitted. */
  now?: () => number;
  /** Other processes to share topics with; this process alone when omitted. */
  remote?: RemoteTopics;
}

/** True when `url` (a request target) names the signaling path. */
export function isSignalingPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)) === SIGNALING_PATH;
}

/** Per-connection state; its topics are held by the hub's `TopicRegistry`. */
interface Client {
  readonly ws: WebSocket;
  /** The client's address (see client-address.ts) and port, for logs. */
  readonly address: string;
  /** Messages it may send (closing when spent). */
  readonly messages: TokenBucket;
  /** Deliveries its publishes may cause (dropping publishes when spent). */
  readonly relays: TokenBucket;
  readonly refusals: RefusalThrottle;
  alive: boolean;
  closed: boolean;
}

/** How long `close()` lets clients answer the close frame before cutting them off. */
const CLOSE_GRACE_MS = 1_000;

/** Creates a hub; nothing listens until an owner passes it upgrades. */
export function createSignalingHub(options: HubOptions): SignalingHub {
  const { limits, logger, onPublish, remote } = options;
  const trustedProxies = options.trustedProxies ?? NO_TRUSTED_PROXIES;
  const now = options.now ?? (() => performance.now());
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    // Compression would let a small frame inflate past maxPayload's intent and costs CPU per
    // relay; signaling frames are small.
    perMessageDeflate: false,
    clientTracking: false,
  });
  const clients = new Set<Client>();
  const registry = new TopicRegistry<Client>(
    limits,
    remote && { opened: (topic) => remote.join(topic), closed: (topic) => remote.leave(topic) },
  );
  /** Open and pending connections per address group (an IPv4 address or an IPv6 /64). */
  const connectionsPerGroup = new Map<string, number>();
  let pendingUpgrades = 0;
  let closing = false;

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        logger.info('dropping client that missed a ping', { address: client.address });
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }, limits.pingIntervalMs);
  heartbeat.unref();

  function leaveAll(client: Client): void {
    registry.unsubscribeAll(client);
  }

  function closeClient(client: Client, code: number, reason: string): void {
    if (client.closed) return;
    logger.info('closing client', { address: client.address, code, reason });
    client.closed = true;
    leaveAll(client);
    client.ws.close(code, reason);
  }

  function send(client: Client, frame: string): void {
    if (client.closed || client.ws.readyState !== WebSocket.OPEN) return;
    // A client that does not read its socket would make the server buffer without bound.
    if (client.ws.bufferedAmount > limits.maxBufferedBytes) {
      logger.info('dropping client whose send buffer is full', { address: client.address });
      client.closed = true;
      leaveAll(client);
      client.ws.terminate();
      return;
    }
    client.ws.send(frame);
  }

  /** Tells the client what was not done; never closes anything (refusals are throttled). */
  function refuse(client: Client, refusal: Refusal): void {
    if (client.refusals.allow(refusal)) send(client, encodeRefusal(refusal));
    else logger.debug('refusal not sent (throttled)', { address: client.address, ...refusal });
  }

  function subscribe(client: Client, wanted: readonly string[]): void {
    for (const topic of wanted) {
      // A refusal may overflow the send buffer and drop the client: stop subscribing it then.
      if (client.closed) return;
      const outcome = registry.subscribe(client, topic);
      if (outcome.kind === 'refused') {
        refuse(client, { op: 'subscribe', topic, reason: outcome.reason });
      }
    }
  }

  function publish(client: Client, topic: string, data: unknown): void {
    const receivers = registry.subscribers(topic);
    // Each delivery is paid for: one publish to a crowded topic is not a free amplification.
    if (receivers && !client.relays.take(receivers.size)) {
      refuse(client, { op: 'publish', topic, reason: 'relay-budget' });
      return;
    }
    let frame: string | undefined;
    if (receivers) {
      try {
        frame = encodeRelay(topic, data, receivers.size);
      } catch (error) {
        // JSON.stringify recurses: data nested tens of thousands deep overflows the stack.
        logger.info('refusing unserializable publish', { error: String(error) });
        closeClient(client, CLOSE_CODES.invalidPayload, 'data cannot be relayed');
        return;
      }
    }
    onPublish?.(topic, data);
    // One serialization for all receivers; copy the set since a send may drop a receiver.
    if (frame !== undefined && receivers)
      for (const receiver of [...receivers]) send(receiver, frame);
    remote?.publish(topic, data);
  }

  /**
   * Delivers a publish from another process to this one's subscribers. Nobody here sent it, so no
   * relay budget pays for it: the sender's process charged its own deliveries, and each process
   * delivers at most `maxSubscribersPerTopic` per publish.
   */
  function deliverRemote(topic: string, data: unknown): boolean {
    const receivers = registry.subscribers(topic);
    if (!receivers) return true;
    let frame: string;
    try {
      frame = encodeRelay(topic, data, receivers.size);
    } catch {
      return false;
    }
    for (const receiver of [...receivers]) send(receiver, frame);
    return true;
  }
  remote?.start(deliverRemote);

  function dispatch(client: Client, message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe':
        subscribe(client, message.topics);
        return;
      case 'unsubscribe':
        for (const topic of message.topics) registry.unsubscribe(client, topic);
        return;
      case 'publish':
        publish(client, message.topic, message.data);
        return;
      case 'ping':
        send(client, PONG_FRAME);
        return;
    }
  }

  function onMessage(client: Client, raw: RawData, isBinary: boolean): void {
    if (client.closed) return;
    if (!client.messages.take()) {
      closeClient(client, CLOSE_CODES.policyViolation, 'message rate exceeded');
      return;
    }
    if (isBinary) {
      closeClient(client, CLOSE_CODES.unsupportedData, 'binary frames are not supported');
      return;
    }
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : raw.toString('utf8');
    const decoded = decodeClientMessage(text, limits);
    switch (decoded.kind) {
      case 'message':
        dispatch(client, decoded.message);
        return;
      case 'ignored':
        logger.debug('ignoring message', { address: client.address, reason: decoded.reason });
        return;
      case 'refused':
        closeClient(
          client,
          decoded.refusal === 'limit' ? CLOSE_CODES.policyViolation : CLOSE_CODES.invalidPayload,
          decoded.reason,
        );
        return;
    }
  }

  function onConnection(ws: WebSocket, address: string): void {
    const client: Client = {
      ws,
      address,
      messages: new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now),
      relays: new TokenBucket(limits.relaysPerSecond, limits.relayBurst, now),
      refusals: new RefusalThrottle(limits.relaysPerSecond, limits.relayBurst, now),
      alive: true,
      closed: false,
    };
    clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (raw, isBinary) => onMessage(client, raw, isBinary));
    // ws reports protocol errors (oversized frame: 1009, invalid UTF-8: 1007, bad opcode) here and
    // then closes the socket itself; without a listener the error would crash the process.
    ws.on('error', (error) => {
      logger.info('client socket error', { address: client.address, error: error.message });
      client.closed = true;
      leaveAll(client);
    });
    ws.on('close', () => {
      client.closed = true;
      leaveAll(client);
      clients.delete(client);
    });
  }

  function rejectUpgrade(socket: Duplex, status: string): void {
    socket.on('error', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  return {
    handleUpgrade(request, socket, head) {
      if (!isSignalingPath(request.url)) return false;
      if (closing) {
        rejectUpgrade(socket, '503 Service Unavailable');
        return true;
      }
      if (clients.size + pendingUpgrades >= limits.maxConnections) {
        logger.warn('refusing connection: limit reached', {
          maxConnections: limits.maxConnections,
        });
        rejectUpgrade(socket, '503 Service Unavailable');
        return true;
      }
      const address = clientAddress(
        request.socket.remoteAddress ?? '?',
        request.headers['x-forwarded-for'],
        trustedProxies,
      );
      const group = addressGroup(address);
      const held = connectionsPerGroup.get(group) ?? 0;
      if (held >= limits.maxConnectionsPerAddress) {
        logger.info('refusing connection: per-address limit reached', {
          group,
          maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
        });
        rejectUpgrade(socket, '429 Too Many Requests');
        return true;
      }
      // The slot is held from here until the TCP socket closes, whether the handshake fails or
      // the WebSocket ends, so both counts are released in one place.
      connectionsPerGroup.set(group, held + 1);
      socket.once('close', () => {
        const left = (connectionsPerGroup.get(group) ?? 1) - 1;
        if (left === 0) connectionsPerGroup.delete(group);
        else connectionsPerGroup.set(group, left);
      });
      pendingUpgrades += 1;
      // ws answers a bad handshake (wrong version, missing key) with HTTP 400 itself and never
      // calls back; the socket's close then releases the pending slot.
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        pendingUpgrades -= 1;
      };
      socket.once('close', settle);
      wss.handleUpgrade(request, socket, head, (ws) => {
        settle();
        onConnection(ws, `${address}:${request.socket.remotePort ?? '?'}`);
      });
      return true;
    },

    stats() {
      return { connections: clients.size, ...registry.stats() };
    },

    async close() {
      closing = true;
      clearInterval(heartbeat);
      const gone = [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.ws.readyState === WebSocket.CLOSED) return resolve();
            client.ws.once('close', () => resolve());
            client.closed = true;
            client.ws.close(CLOSE_CODES.goingAway, 'server shutting down');
          }),
      );
      const grace = setTimeout(() => {
        for (const client of clients) client.ws.terminate();
      }, CLOSE_GRACE_MS);
      await Promise.all(gone);
      clearTimeout(grace);
      registry.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
