/**
 * What the session calls in the core, gathered in one module that the session loads with
 * `import()` as it starts: the core (Yjs, the crypto, sync) is then its own chunk, fetched and
 * parsed beside the first screen's JS rather than inside it, and the first screen's own JS stays
 * small (the `initialJsGzipBytes` budget, `tests/e2e/initial-js.e2e.ts`). The wiring itself comes
 * from `main.ts`, as the session's `KithHandle`.
 */
export { docIdOf, replyOfItem } from '../../core/kinds/registry.ts';
export { defaultVerifier } from '../../core/identity/verifier.ts';
export { InviteRecords } from '../../core/mesh/invite-records.ts';
export { acceptInvite, issueInvite, revokeInvite } from '../../core/mesh/invites.ts';
export {
  identityFromPhraseOf,
  phraseFromSeed,
  seedFromPhrase,
} from '../../core/identity/recovery-phrase.ts';
export { exportBackup, importBackup } from '../../core/identity/secret-export.ts';
export { backupOf } from '../../core/peer/backup.ts';
export { listOwnDevices } from '../../core/peer/own-device-list.ts';
export { pairHomePeer, unpairHomePeer } from './home-peer-actions.ts';
