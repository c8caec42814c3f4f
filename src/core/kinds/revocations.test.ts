import { describe, expect, it } from 'vitest';
import { docIdOf, parseDocRef } from './registry.ts';
import { expectRefused } from './test-kinds.ts';

describe('revocations kind', () => {
  it('round-trips its doc id and refuses any field after it', () => {
    expect(parseDocRef(docIdOf({ kind: 'revocations' }))).toEqual({ kind: 'revocations' });
    expectRefused(['revocations/x', 'revocations/']);
  });
});
