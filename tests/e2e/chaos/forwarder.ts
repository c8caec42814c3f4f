/**
 * A plain TCP forwarder: every connection to `listen` is piped to `target`, both ways, and each
 * side is destroyed when the other closes or fails. The chaos run puts one in the isolated
 * person's namespace (so their Chromium loads the app from its own loopback, a secure context,
 * and the invite's signaling URL `ws://127.0.0.1:PORT` works there too) and one on the bridge
 * address of the test namespace, in front of the server that listens on loopback only.
 *
 * As a program: `tsx forwarder.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT`; prints
 * `ready` once listening, and ends when its standard input does: the parent holds that pipe, so
 * a run killed from outside (no cleanup ran) does not leave the forwarder behind.
 */
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A host and port. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Starts forwarding `listen` to `target`; resolves once listening. */
export function forwardTcp(listen: Address, target: Address): Promise<Server> {
  const server = createServer((incoming) => {
    const outgoing = createConnection(target.port, target.host);
    // An error on one side (a reset while the link is cut, the server restarting) ends both:
    // the page's client sees its socket close and reconnects, as over a real network.
    incoming.on('error', () => outgoing.destroy());
    outgoing.on('error', () => incoming.destroy());
    incoming.on('close', () => outgoing.destroy());
    outgoing.on('close', () => incoming.destroy());
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function port(text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > 65_535) {
    throw new Error(`not a port: ${text}`);
  }
  return value;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
  if (listenHost === undefined || targetHost === undefined) {
    throw new Error('usage: forwarder.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT');
  }
  await forwardTcp(
    { host: listenHost, port: port(listenPort) },
    { host: targetHost, port: port(targetPort) },
  );
  process.stdout.write('ready\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
