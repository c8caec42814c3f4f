/**
 * The inbox between the Web Share Target and the composer.
 *
 * Flow: another app shares a photo (or text) with installed Kith; the browser POSTs it as
 * multipart form data to `/share-target` (the manifest's `share_target`). No server sees it: the
 * service worker (src/sw.ts) answers that POST itself, reads the form with `readShareForm`, keeps
 * what it may in Cache Storage with `putShared`, and redirects (303) to `SHARE_ROUTE`. The app
 * opens on Home, whose composer calls `takeShared` once and attaches what it gets.
 *
 * The inbox holds one share at a time: a new share replaces one never picked up, and taking it
 * empties the inbox, so a reload does not attach the same photo twice. Everything in the form is
 * untrusted (any app can share anything): only images are kept, at most `MAX_SHARED_FILES` of at
 * most `MAX_SHARED_FILE_BYTES` each, text cut to the post limit, and what was left out is said in
 * `notes`.
 */
import { MAX_PHOTOS, MAX_POST_TEXT } from '../../core/docs/content-limits.ts';

/** The path the manifest's `share_target.action` names; only the service worker answers it. */
export const SHARE_TARGET_PATH = '/share-target';
/** Where the service worker sends the person after a share: Home, with the composer filled. */
export const SHARE_ROUTE = '/#/compose-shared';
/** Photos kept from one share: as many as a post holds. */
export const MAX_SHARED_FILES = MAX_PHOTOS;
/** Largest shared file kept (a camera's photo is a few MB; it is resized before posting). */
export const MAX_SHARED_FILE_BYTES = 40 * 1024 * 1024;
/** The Cache Storage cache holding the one pending share. */
export const SHARE_INBOX_CACHE = 'kith-share-inbox';

/** What a share brought, ready for the composer. */
export interface SharedItems {
  /** Image files, in the order shared. */
  readonly files: File[];
  /** The shared title, text and URL, each on its own line (empty when none). */
  readonly text: string;
  /** Sentences for the person about what was left out (not an image, too large, too many). */
  readonly notes: string[];
}

/** What is kept beside the files, as JSON. */
interface InboxMeta {
  readonly text: string;
  readonly notes: string[];
  readonly files: { readonly name: string; readonly type: string }[];
}

const META_PATH = '/kith-share-inbox/meta';
const filePath = (index: number) => `/kith-share-inbox/file/${index}`;

/**
 * Reads a share target's form (fields `photos`, `title`, `text`, `url`, as the manifest names
 * them) into what the composer may take. Never throws on odd input: anything unusable becomes a
 * note.
 */
export function readShareForm(form: FormData): SharedItems {
  const files: File[] = [];
  let notImages = 0;
  let tooLarge = 0;
  let tooMany = 0;
  for (const value of form.getAll('photos')) {
    if (typeof value === 'string') continue;
    if (!value.type.startsWith('image/')) notImages++;
    else if (value.size > MAX_SHARED_FILE_BYTES) tooLarge++;
    else if (files.length >= MAX_SHARED_FILES) tooMany++;
    else files.push(value);
  }
  const lines: string[] = [];
  for (const field of ['title', 'text', 'url']) {
    const value = form.get(field);
    const line = typeof value === 'string' ? value.trim() : '';
    // Apps often repeat the URL inside the text; say each thing once.
    if (line && !lines.some((seen) => seen.includes(line))) lines.push(line);
  }
  let text = lines.join('\n');
  const notes: string[] = [];
  if (text.length > MAX_POST_TEXT) {
    text = text.slice(0, MAX_POST_TEXT);
    notes.push(`The shared text was cut to ${MAX_POST_TEXT} characters.`);
  }
  if (notImages > 0) notes.push(`${count(notImages, 'shared file')} not a picture, left out.`);
  if (tooLarge > 0) notes.push(`${count(tooLarge, 'picture')} too large to post, left out.`);
  if (tooMany > 0)
    notes.push(`A post holds at most ${MAX_SHARED_FILES} photos; ${tooMany} left out.`);
  return { files, text, notes };
}

function count(n: number, noun: string): string {
  return n === 1 ? `1 ${noun} was` : `${n} ${noun}s were`;
}

/** The inbox's contents when the shared form itself could not be read. */
export function unreadableShare(): SharedItems {
  return { files: [], text: '', notes: ['What was shared could not be read. Try sharing again.'] };
}

/** Replaces the pending share with `items` (the service worker calls this). */
export async function putShared(
  caches: CacheStorage,
  origin: string,
  items: SharedItems,
): Promise<void> {
  await caches.delete(SHARE_INBOX_CACHE);
  const cache = await caches.open(SHARE_INBOX_CACHE);
  for (const [index, file] of items.files.entries()) {
    await cache.put(
      new URL(filePath(index), origin).href,
      new Response(file, { headers: { 'Content-Type': file.type } }),
    );
  }
  // Written last: a share whose files did not all get stored has no meta and is not offered.
  const meta: InboxMeta = {
    text: items.text,
    notes: items.notes,
    files: items.files.map((file) => ({ name: file.name, type: file.type })),
  };
  await cache.put(new URL(META_PATH, origin).href, Response.json(meta));
}

/**
 * Takes the pending share, if any, and empties the inbox. Returns null when there is none (or
 * when this browser has no Cache Storage); a damaged inbox counts as an unreadable share.
 */
export async function takeShared(
  caches: CacheStorage | undefined = globalThis.caches,
  origin: string = location.origin,
): Promise<SharedItems | null> {
  if (!caches || !(await caches.has(SHARE_INBOX_CACHE))) return null;
  try {
    const cache = await caches.open(SHARE_INBOX_CACHE);
    const metaResponse = await cache.match(new URL(META_PATH, origin).href);
    if (!metaResponse) return null;
    const meta = parseMeta(await metaResponse.json());
    if (!meta) return unreadableShare();
    const files: File[] = [];
    for (const [index, about] of meta.files.entries()) {
      const response = await cache.match(new URL(filePath(index), origin).href);
      if (!response) return unreadableShare();
      files.push(new File([await response.blob()], about.name, { type: about.type }));
    }
    return { files, text: meta.text, notes: meta.notes };
  } finally {
    await caches.delete(SHARE_INBOX_CACHE);
  }
}

/** The meta record as written by `putShared`, or undefined when it is anything else. */
function parseMeta(value: unknown): InboxMeta | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { text, notes, files } = value as Record<string, unknown>;
  if (typeof text !== 'string' || !Array.isArray(notes) || !Array.isArray(files)) return undefined;
  if (!notes.every((note) => typeof note === 'string')) return undefined;
  if (files.length > MAX_SHARED_FILES) return undefined;
  const described = files.every(
    (file: unknown) =>
      typeof file === 'object' &&
      file !== null &&
      typeof (file as Record<string, unknown>).name === 'string' &&
      typeof (file as Record<string, unknown>).type === 'string',
  );
  return described
    ? { text, notes: notes as string[], files: files as InboxMeta['files'] }
    : undefined;
}
