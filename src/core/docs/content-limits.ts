/**
 * The bounds of what a person writes, shared by the docs that enforce them (`post-doc.ts`,
 * `small-docs.ts`) and the screens that state them. Constants alone: a screen that shows a
 * limit takes no Yjs into the first screen's JS with it.
 */

/** Longest post text, in UTF-16 code units. */
export const MAX_POST_TEXT = 10_000;
/** Most photos on one post. */
export const MAX_PHOTOS = 10;
/** Most people one post or comment can mention. */
export const MAX_MENTIONS = 20;

/** Field limits of the small docs, in UTF-16 code units. */
export const LIMITS = { name: 80, bio: 500, comment: 2_000 } as const;

/** Longest side of a profile photo (avatar), in pixels. */
export const AVATAR_SIDE = 512;
/** Widest cover picture, in pixels. */
export const COVER_WIDTH = 1600;

/** The reactions Kith offers. */
export const REACTIONS = ['like', 'love', 'haha', 'wow', 'sad', 'care'] as const;
/** One of {@link REACTIONS}. */
export type Reaction = (typeof REACTIONS)[number];
