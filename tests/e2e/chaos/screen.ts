/**
 * What a person's screen shows, read the way a person reads it (by role and label), in the
 * model's terms (./model.ts), so the chaos run compares screen and model as plain data.
 */
import type { Locator, Page } from 'playwright-core';
import { REACTIONS } from '../../../src/core/docs/small-docs.ts';
import type { Reaction } from '../../../src/core/docs/small-docs.ts';
import { byText, commentLine } from './model.ts';
import type { ShownPost } from './model.ts';

/**
 * The emoji each reaction count is written with (src/ui/parts/Reactions.svelte): the counts are
 * shown as text only, so reading them means knowing the emoji.
 */
const EMOJI: Readonly<Record<Reaction, string>> = {
  like: '👍',
  love: '❤️',
  haha: '😄',
  wow: '😮',
  sad: '😢',
  care: '🤗',
};

const POST_TEXT = /Chaos post #\d+/;
const COMMENT_TEXT = /Chaos comment #\d+/;

/** The reaction counts in a post's Reactions group, e.g. `👍 2  ❤️ 1`. */
function reactionCounts(text: string): Partial<Record<Reaction, number>> {
  const counts: Partial<Record<Reaction, number>> = {};
  for (const reaction of REACTIONS) {
    // A choice reads "<emoji>React like" (hidden while closed); only the counts put a space and
    // digits after an emoji.
    const match = new RegExp(`${EMOJI[reaction]} (\\d+)`).exec(text);
    if (match) counts[reaction] = Number(match[1]);
  }
  return counts;
}

/** Reads one post card. `names` are the run's people, to tell who wrote each comment. */
async function readPost(article: Locator, names: readonly string[]): Promise<ShownPost> {
  const label = (await article.getAttribute('aria-label')) ?? '';
  const text = POST_TEXT.exec(await article.innerText())?.[0] ?? '(no post text)';
  const comments: string[] = [];
  for (const item of await article
    .getByRole('list', { name: 'Comments' })
    .getByRole('listitem')
    .all()) {
    const line = await item.innerText();
    // The writer's name leads the comment; other names in it (a mention, "Not yet with Alice"
    // on one's own pending comment) are not who wrote it.
    const writer = (await item.locator('strong').first().innerText()).trim();
    comments.push(
      commentLine(
        COMMENT_TEXT.exec(line)?.[0] ?? `(unreadable: ${line})`,
        names.includes(writer) ? writer : '(no name)',
      ),
    );
  }
  comments.sort();
  const group = article.getByRole('group', { name: 'Reactions' });
  // The choices are hidden while closed; what was chosen is still marked pressed there.
  const pressed = await group
    .getByRole('button', { pressed: true, includeHidden: true })
    .allTextContents();
  const mine = pressed
    .map((name) => REACTIONS.find((reaction) => name.endsWith(`React ${reaction}`)))
    .find((reaction) => reaction !== undefined);
  return {
    text,
    author: label.replace(/^Post by /, ''),
    comments,
    reactions: reactionCounts(await group.innerText()),
    mine: mine ?? null,
  };
}

/**
 * The posts of the Home timeline (open Home first), sorted by text; throws if the timeline has
 * older posts behind "Show older posts", which the run keeps too few posts to need.
 */
export async function readTimeline(page: Page, names: readonly string[]): Promise<ShownPost[]> {
  const feed = page.getByRole('region', { name: 'Timeline' });
  if ((await feed.count()) === 0) return [];
  if ((await page.getByRole('button', { name: 'Show older posts' }).count()) > 0) {
    throw new Error('the timeline pages: the run wrote more posts than one page shows');
  }
  const shown: ShownPost[] = [];
  for (const article of await feed.getByRole('article').all()) {
    shown.push(await readPost(article, names));
  }
  return shown.sort(byText);
}

/**
 * The texts of the posts a profile shows (open it first), once it has finished loading: either
 * its post list or its "nothing has reached you" note is there.
 */
export async function readProfilePosts(page: Page): Promise<string[]> {
  const list = page.getByRole('region', { name: /^Posts by / });
  const none = page.getByText('No posts from this person have reached you yet.');
  await list.or(none).first().waitFor({ timeout: 30_000 });
  if ((await list.count()) === 0) return [];
  const texts = await list.getByRole('article').allInnerTexts();
  return texts.map((text) => POST_TEXT.exec(text)?.[0] ?? '(no post text)');
}
