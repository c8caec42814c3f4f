/**
 * Turns errors from the core into sentences for a person. Known failures get their own words;
 * anything else still gets a sentence, never a stack trace.
 */
// Types only: the error classes are told apart by their `name`, so this module (on the start
// screen's path) does not pull the core that throws them into the first screen's JS.
import type { StorageQuotaError } from '../../core/store/errors.ts';
import type { PostContentError } from '../../core/docs/post-doc.ts';
import type { DocContentError } from '../../core/docs/small-docs.ts';
import type { PeerStateError } from '../../core/peer/peer.ts';
import type { MessageInputError } from '../../core/peer/messaging.ts';
import type { InviteError, InviteErrorReason } from '../../core/invite/invite-codec.ts';
import type { InviteOutcome } from '../../core/invite/invite-exchange.ts';
import type { SelfInviteError } from '../../core/mesh/invites.ts';
import type { PhotoError } from '../photos.ts';
import type { RecoveryPhraseError } from '../../core/identity/recovery-phrase.ts';
import type {
  IdentityExportError,
  IdentityExportErrorReason,
} from '../../core/identity/secret-export.ts';
import type { LinkError, LinkErrorReason } from '../../core/link/link-codec.ts';

/** The Kith errors told apart here, by the `name` each class sets. */
interface NamedErrors {
  StorageQuotaError: StorageQuotaError;
  PostContentError: PostContentError;
  DocContentError: DocContentError;
  PeerStateError: PeerStateError;
  MessageInputError: MessageInputError;
  InviteError: InviteError;
  SelfInviteError: SelfInviteError;
  PhotoError: PhotoError;
  RecoveryPhraseError: RecoveryPhraseError;
  IdentityExportError: IdentityExportError;
  LinkError: LinkError;
}

function is<N extends keyof NamedErrors>(error: unknown, name: N): error is NamedErrors[N] {
  return error instanceof Error && error.name === name;
}

const LINK_PROBLEMS: Record<LinkErrorReason, string> = {
  malformed: 'This is not a Kith device link, or it is incomplete. Copy it again.',
  'unknown-version': 'This device link was made by a newer Kith. Update Kith here, then try again.',
  expired: 'This device link has expired. Make a new one on your other device.',
  used: 'This device link was already used. Make a new one on your other device.',
  refused: 'The codes did not match on your other device, so nothing was sent. Make a new link.',
  tampered: 'This device link was answered by something else. Make a new one.',
  'bad-certificate': 'Your other device sent a key Kith cannot use. Make a new link.',
};

const INVITE_PROBLEMS: Record<InviteErrorReason, string> = {
  empty: 'This invite link is empty. Ask your friend to send it again.',
  'too-large': 'This is not a Kith invite link: it is far too long.',
  malformed: 'This invite link is damaged or incomplete. Ask your friend to send it again.',
  'unsupported-version': 'This invite was made by a newer version of Kith. Reload to update.',
  'bad-url': 'This invite names a server Kith cannot use. Ask your friend for a new link.',
  'too-many-urls': 'This invite names too many servers. Ask your friend for a new link.',
  'bad-signature': 'This invite link was changed after it was made. Ask your friend for a new one.',
  'bad-key-record': 'This invite carries a broken key. Ask your friend for a new link.',
  expired: 'This invite has expired. Ask your friend for a new link.',
};

const BACKUP_PROBLEMS: Record<IdentityExportErrorReason, string> = {
  'not-an-export': 'This is not a Kith backup file. Pick the file Kith downloaded for you.',
  'unsupported-version':
    'This backup was made by a newer version of Kith. Reload to update Kith, then try again.',
  'bad-parameters': 'This backup file is damaged: its settings are not ones Kith writes.',
  truncated: 'This backup file is incomplete: it was cut short while copying or downloading.',
  'trailing-bytes': 'This backup file has extra data at its end: it is damaged.',
  'empty-passphrase': 'Please enter a passphrase.',
  'wrong-passphrase': 'This passphrase does not open the backup. Check it and try again.',
  tampered: 'This backup file is damaged or was changed: it cannot be opened.',
};

/** What the inviter's answer means, for the person who accepted. */
export function describeInviteOutcome(outcome: InviteOutcome): string {
  switch (outcome) {
    case 'welcome':
      return 'You are now friends.';
    case 'used':
      return 'This invite was already used by someone else. Ask your friend for a new link.';
    case 'revoked':
      return 'Your friend withdrew this invite. Ask them for a new link.';
    case 'expired':
      return 'This invite expired before your friend could answer. Ask them for a new link.';
  }
}

/** A short explanation of `error` for the person using Kith. */
export function describeError(error: unknown): string {
  if (is(error, 'StorageQuotaError')) {
    return 'This device is out of storage space for Kith. Free some space, then try again.';
  }
  if (is(error, 'PostContentError') || is(error, 'DocContentError')) {
    return capitalize(error.message) + '.';
  }
  if (is(error, 'PeerStateError') || is(error, 'MessageInputError')) {
    return capitalize(error.message) + '.';
  }
  if (is(error, 'InviteError')) return INVITE_PROBLEMS[error.reason];
  if (is(error, 'SelfInviteError')) return 'This is your own invite link: send it to a friend.';
  if (is(error, 'PhotoError')) return error.message;
  if (is(error, 'RecoveryPhraseError')) return error.message;
  if (is(error, 'IdentityExportError')) return BACKUP_PROBLEMS[error.reason];
  if (is(error, 'LinkError')) return LINK_PROBLEMS[error.reason];
  if (error instanceof Error && error.name === 'InvalidStateError') {
    return 'Kith could not open its storage. Private browsing windows may not allow it.';
  }
  return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
