import { describe, expect, it } from 'vitest';
import { parseDeviceId } from '../ids.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { expectRefused } from './test-kinds.ts';

describe('certificate kind', () => {
  it('round-trips a device id and refuses anything else', () => {
    const ref = { kind: 'certificate', device: parseDeviceId('B'.repeat(42) + 'A') } as const;
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused([
      'certificate',
      'certificate/notadevice',
      `certificate/${'B'.repeat(42)}A/x`,
      `certificate/${'A'.repeat(42)}B`,
    ]);
  });
});
