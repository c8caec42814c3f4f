/**
 * y-webrtc's own `bin/server.js`, unchanged, as a benchmark subject. It listens on PORT on every
 * interface; the benchmark must only use loopback, so `listen` is pinned to 127.0.0.1 first.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const listen = http.Server.prototype.listen;
const listenOn = listen as (this: http.Server, port: number, host: string) => http.Server;
http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
  return listenOn.call(this, Number(args[0]), '127.0.0.1');
} as typeof listen;

// Not in the package's exports map: reach it by path.
const serverJs = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules/y-webrtc/bin/server.js',
);
await import(pathToFileURL(serverJs).href);
console.log(`listening ${process.env.PORT}`);
