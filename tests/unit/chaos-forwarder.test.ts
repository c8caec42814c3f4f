/**
 * The chaos run's forwarder as a program ends when its parent's pipe does, so a run killed from
 * outside leaves no forwarder listening (they used to outlive it).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the chaos forwarder program', () => {
  it('forwards, then exits once its standard input closes', async () => {
    const target = createServer((socket) => socket.end('hello'));
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const targetPort = (target.address() as AddressInfo).port;
    // A free port for the forwarder: taken and given back.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const listenPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [
        join(ROOT, 'tests', 'e2e', 'chaos', 'forwarder.ts'),
        '127.0.0.1',
        String(listenPort),
        '127.0.0.1',
        String(targetPort),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const [ready] = (await once(child.stdout!, 'data')) as [Buffer];
      expect(ready.toString()).toBe('ready\n');
      const socket = connect(listenPort, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      await once(socket, 'close');
      expect(received).toBe('hello');

      const exited = once(child, 'exit');
      child.stdin!.end();
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill();
      target.close();
    }
  });
});
