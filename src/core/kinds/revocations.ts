/**
 * `revocations`: device revocations signed by the identity key, one signed record per entry. A
 * record kind with no view: `peer/stored-revocations.ts` reads them from the store.
 */
import { parseDocId } from '../ids.ts';
import { expectFields, type RecordKind } from './kind.ts';

/** A person's revocations doc. */
export interface RevocationsRef {
  readonly kind: 'revocations';
}

/** The `revocations` kind. */
export const revocationsKind: RecordKind<RevocationsRef> = {
  kind: 'revocations',
  shape: 'record',
  rank: 3,
  format: () => parseDocId('revocations'),
  parse(fields) {
    expectFields('revocations', fields, 0);
    return { kind: 'revocations' };
  },
  take: async () => undefined,
};
