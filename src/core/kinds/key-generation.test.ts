import { describe, expect, it } from 'vitest';
import { docIdOf, parseDocRef } from './registry.ts';
import { expectRefused } from './test-kinds.ts';

describe('key-generation kind', () => {
  it('round-trips its doc id and refuses generation 0, a leading zero, one too high, or more fields', () => {
    const ref = { kind: 'key-generation', generation: 3 } as const;
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused([
      'key-generation',
      'key-generation/0',
      'key-generation/01',
      'key-generation/1000001',
      'key-generation/1/2',
      'key-generation/x',
    ]);
  });
});
