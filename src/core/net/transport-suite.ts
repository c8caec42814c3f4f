/**
 * The behaviour every {@link Transport} owes replication, as one suite that each implementation's
 * test runs over its own linked pair (`runTransportSuite('name', makePair)`).
 */
import { describe, expect, it } from 'vitest';
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseInfo,
  type Transport,
} from '../sync/transport.ts';

/** Makes two linked ends; `settle` waits until everything sent so far has been delivered. */
export type TransportPairFactory = () => {
  a: Transport;
  b: Transport;
  settle: () => Promise<void>;
};

/** Registers the shared Transport tests for `name`. */
export function runTransportSuite(name: string, makePair: TransportPairFactory): void {
  describe(`Transport: ${name}`, () => {
    it('delivers messages whole and in order, both ways, the empty one included', async () => {
      const { a, b, settle } = makePair();
      const atA: Uint8Array[] = [];
      const atB: Uint8Array[] = [];
      a.onMessage((m) => atA.push(m));
      b.onMessage((m) => atB.push(m));
      const sent = [new Uint8Array([1]), new Uint8Array(0), new Uint8Array(5000).fill(7)];
      for (const m of sent) await a.send(m);
      await b.send(new Uint8Array([9, 9]));
      await settle();
      expect(atB).toEqual(sent);
      expect(atA).toEqual([new Uint8Array([9, 9])]);
    });

    it('refuses a message over its limit with MessageTooLargeError', async () => {
      const { a } = makePair();
      await expect(a.send(new Uint8Array(a.maxMessageSize + 1))).rejects.toBeInstanceOf(
        MessageTooLargeError,
      );
    });

    it('closes once, on both sides, and refuses sends afterwards', async () => {
      const { a, b, settle } = makePair();
      const closesA: CloseInfo[] = [];
      const closesB: CloseInfo[] = [];
      a.onClose((i) => closesA.push(i));
      b.onClose((i) => closesB.push(i));
      a.close('done');
      a.close('again');
      await settle();
      expect(closesA).toEqual([{ by: 'local', reason: 'done' }]);
      expect(closesB.map((i) => i.by)).toEqual(['remote']);
      expect(a.open).toBe(false);
      expect(b.open).toBe(false);
      await expect(a.send(new Uint8Array(1))).rejects.toBeInstanceOf(TransportClosedError);
      await expect(b.send(new Uint8Array(1))).rejects.toBeInstanceOf(TransportClosedError);
    });

    it('stops delivering to a handler that unsubscribed', async () => {
      const { a, b, settle } = makePair();
      const kept: Uint8Array[] = [];
      const dropped: Uint8Array[] = [];
      b.onMessage((m) => kept.push(m));
      const stop = b.onMessage((m) => dropped.push(m));
      stop();
      await a.send(new Uint8Array([1]));
      await settle();
      expect(kept).toHaveLength(1);
      expect(dropped).toEqual([]);
    });
  });
}
