/**
 * Checks that a signaling server answers, for Settings: opens a WebSocket, sends the protocol's
 * `ping`, and waits (bounded) for `pong`. Says why when it does not, in words for a person.
 */
import type { WebSocketConstructor } from './signaling-client.ts';

/** The outcome of a probe. */
export type ProbeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unreachable' | 'not-signaling' | 'timeout' };

/** Probes `url` within `timeoutMs`. Never throws. */
export function probeSignaling(
  url: string,
  WebSocket: WebSocketConstructor,
  timeoutMs = 5000,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: InstanceType<WebSocketConstructor> | undefined;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket?.close();
      } catch {
        // Closing a socket that never opened may throw; the probe is over either way.
      }
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
    try {
      socket = new WebSocket(url);
    } catch {
      finish({ ok: false, reason: 'unreachable' });
      return;
    }
    socket.onopen = () => socket?.send(JSON.stringify({ type: 'ping' }));
    socket.onerror = () => finish({ ok: false, reason: 'unreachable' });
    socket.onclose = () => finish({ ok: false, reason: 'unreachable' });
    socket.onmessage = (event) => {
      let message: unknown;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        message = null;
      }
      const pong = (message as { type?: unknown } | null)?.type === 'pong';
      finish(pong ? { ok: true } : { ok: false, reason: 'not-signaling' });
    };
  });
}
