/**
 * Turns errors from the core into sentences for a person. Known failures get their own words;
 * anything else still gets a sentence, never a stack trace.
 */
import { StorageQuotaError } from '../../core/store/errors.ts';
import { PostContentError } from '../../core/docs/post-doc.ts';
import { DocContentError } from '../../core/docs/small-docs.ts';
import { PeerStateError } from '../../core/peer/peer.ts';

/** A short explanation of `error` for the person using Kith. */
export function describeError(error: unknown): string {
  if (error instanceof StorageQuotaError) {
    return 'This device is out of storage space for Kith. Free some space, then try again.';
  }
  if (error instanceof PostContentError || error instanceof DocContentError) {
    return capitalize(error.message) + '.';
  }
  if (error instanceof PeerStateError) return capitalize(error.message) + '.';
  if (error instanceof Error && error.name === 'InvalidStateError') {
    return 'Kith could not open its storage. Private browsing windows may not allow it.';
  }
  return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
