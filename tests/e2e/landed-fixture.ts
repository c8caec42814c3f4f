/**
 * The landed-store fixture shared by its maker (fixtures/make-landed-fixture.ts, run once against
 * the landed build) and the migration test (migration.e2e.ts, run against the current build):
 * where it is served, what the two people wrote, and how their Chromium profiles are packed.
 *
 * The fixture is the profiles themselves, not an export: the landed app keeps non-extractable
 * CryptoKeys in IndexedDB, which no page can read out, and Chromium stores them inside the
 * origin's IndexedDB folder. IndexedDB is per origin, so the test must serve on the same port.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

/** The port both the maker and the test serve on (the origin owns the stores). */
export const LANDED_FIXTURE_PORT = 47_622;

/** The packed profiles: `alice/` and `bob/`, each with what Chromium keeps for the origin. */
export const LANDED_FIXTURE_ARCHIVE = join(
  REPO_ROOT,
  'tests',
  'e2e',
  'fixtures',
  'landed-profiles.tar.gz',
);

/** The people of the fixture, as they named themselves; also their profile folder names. */
export const LANDED_PEOPLE = ['Alice', 'Bob'] as const;

/** What they wrote with the landed app; the test looks for each of these after the upgrade. */
export const LANDED_STORY = {
  /** Alice, friends only, then edited to `aliceEdited`. */
  aliceFriends: 'Kettle is on at Alice’s',
  aliceEdited: 'Kettle is on at Alice’s, come by at four',
  /** Alice, public. */
  alicePublic: 'Alice in public: hello, world',
  /** Bob, friends only, with one photo (public/icons/icon-512.png). */
  bobPhoto: 'Bob’s hill at dusk',
  /** Bob, friends only, text. */
  bobFriends: 'Bob here, friends only',
  /** Bob's comment on Alice's edited post. */
  bobComment: 'On my way, Bob',
  /** Alice's comment on Bob's photo post. */
  aliceComment: 'Lovely light',
  /** Bob loves Alice's public post; Alice likes Bob's photo post. */
  bobReaction: 'love',
  aliceReaction: 'like',
} as const;

/** The photo of Bob's post. */
export const LANDED_PHOTO = join(REPO_ROOT, 'public', 'icons', 'icon-512.png');

/** Inside a profile, what is packed: the origin's IndexedDB and the Local Storage. */
const PROFILE_PARTS = ['Default/IndexedDB', 'Default/Local Storage'] as const;

function tar(args: readonly string[]): void {
  const result = spawnSync('tar', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`cannot run tar: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${result.stderr}`);
}

/** Packs the profiles `root/<name>` of every person into the archive. */
export function packProfiles(root: string): void {
  const parts = LANDED_PEOPLE.flatMap((name) =>
    PROFILE_PARTS.map((part) => `${name}/${part}`).filter((path) => existsSync(join(root, path))),
  );
  tar(['-czf', LANDED_FIXTURE_ARCHIVE, '-C', root, ...parts]);
}

/** Unpacks the archive into `root`: `root/<name>` is then each person's Chromium profile. */
export function unpackProfiles(root: string): void {
  tar(['-xzf', LANDED_FIXTURE_ARCHIVE, '-C', root]);
}
