/**
 * The Kith signaling server as a benchmark subject: listens on 127.0.0.1, port from PORT, with
 * the limits set in the environment (the defaults otherwise), sharing topics through `REDIS_URL`
 * when it is set, and closes on SIGTERM.
 */
import { settingsFromEnv } from '../../signaling/env-config.ts';
import { startServer } from '../../signaling/server.ts';

const settings = settingsFromEnv(process.env);
const server = await startServer({
  port: Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
  limits: settings.limits,
  redisUrl: settings.redisUrl,
});
console.log(`listening ${server.port}`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
