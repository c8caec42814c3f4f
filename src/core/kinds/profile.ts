/**
 * `profile`: a person's public profile (name, bio, avatar, cover), one doc in clear. A friend's
 * pictures are fetched while they are online, so their profile still shows them when they are
 * not.
 */
import type { PhotoRef } from '../docs/post-doc.ts';
import { readProfileChecked, type Profile } from '../docs/small-docs.ts';
import { parseDocId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { JsonValue } from '../store/storage-adapter.ts';
import { expectFields, type DocKind } from './kind.ts';
import { clear, unreadable } from './payload.ts';

const log = createLogger('kith:views');

/** The profile doc (one per person). */
export interface ProfileRef {
  readonly kind: 'profile';
}

/** The setting a person's profile view is kept under. */
export function profileViewKey(person: string): string {
  return `view/profile/${person}`;
}

/** The `profile` kind. */
export const profileKind: DocKind<ProfileRef> = {
  kind: 'profile',
  shape: 'doc',
  rank: 1,
  caps: {
    maxBytes: 256 * 1024,
    maxEntries: 1_000,
    root: 'profile',
    fields: new Set(['name', 'bio', 'avatar', 'cover']),
  },
  format: () => parseDocId('profile'),
  parse(fields) {
    expectFields('profile', fields, 0);
    return { kind: 'profile' };
  },
  // Public: anyone who holds the log reads it (its pictures are clear blobs too).
  seal: async (_ref, _doc, update) => clear(update),
  open: async (entry) =>
    entry.payloadKind === 'yjs-update'
      ? { kind: 'update', update: entry.payload }
      : unreadable('encrypted profile doc'),
  async view({ entry, doc }, views) {
    const author = entry.author;
    const { profile, problems } = readProfileChecked(doc);
    if (problems.length > 0) log.warn('profile fields refused', { author, problems });
    if (!profile) return;
    await views.store.setSetting(profileViewKey(author), toJson(profile));
    if (author !== views.me && views.isFriend(author)) {
      const ids = [profile.avatar?.thumb, profile.avatar?.blob, profile.cover?.blob];
      await views.prefetch(ids.filter((id): id is string => id !== undefined));
    }
  },
  // A friend of a friend's profile leaves with their window log (trimmed, or they are blocked).
  forget: (author, _ref, views) => views.store.setSetting(profileViewKey(author), undefined),
};

function toJson(profile: Profile): JsonValue {
  const picture = (p: PhotoRef | null) => (p ? { ...p } : null);
  return {
    name: profile.name,
    bio: profile.bio,
    avatar: picture(profile.avatar),
    cover: picture(profile.cover),
  };
}
