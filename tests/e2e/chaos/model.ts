/**
 * The chaos run's model of who should see what: the friendships made, the posts, comments and
 * reactions written, and from them what each person's Home must show once everyone is online
 * and the network has settled. Pure and deterministic, so a seed replays the same expectations.
 *
 * The rules it encodes (design section 3, docs/data-model.md): Home shows one's own posts and
 * friends' posts, whatever their audience, and a friend of a friend's public post while the
 * viewer or one of their friends answered it (a comment, or a reaction still held), and nothing
 * else; everyone who sees a post sees all its comments and reactions (the author re-publishes
 * them), each exactly once; a person holds at most one reaction per post, and choosing the same
 * one again takes it back. Only the author and their friends reply to a post.
 */
import type { Reaction } from '../../../src/core/docs/small-docs.ts';

/** A post's audience, as the composer offers it. */
export type Audience = 'friends' | 'public';

/** A post written during the run; `text` is unique in the run. */
export interface ModelPost {
  readonly id: number;
  readonly author: string;
  readonly audience: Audience;
  readonly text: string;
}

/** A comment written during the run; `text` is unique in the run. */
export interface ModelComment {
  readonly id: number;
  readonly postId: number;
  readonly author: string;
  readonly text: string;
}

/**
 * A post as a Home screen shows it, in a form both the model and the screen reader produce, so a
 * mismatch shows as a plain diff.
 */
export interface ShownPost {
  readonly text: string;
  readonly author: string;
  /** `"<comment text> by <name>"`, sorted. */
  readonly comments: readonly string[];
  /** Reaction counts, only those above zero. */
  readonly reactions: Readonly<Partial<Record<Reaction, number>>>;
  /** The viewer's own reaction. */
  readonly mine: Reaction | null;
}

/** The text of post `id`: the screen reader finds posts by it. */
export function postText(id: number): string {
  return `Chaos post #${id}`;
}

/** The text of comment `id`. */
export function commentText(id: number): string {
  return `Chaos comment #${id}`;
}

/** How a comment reads in a `ShownPost`. */
export function commentLine(text: string, author: string): string {
  return `${text} by ${author}`;
}

/** The run's record of what was done, and what each person should therefore see. */
export class ChaosModel {
  readonly #friends = new Map<string, Set<string>>();
  readonly #posts: ModelPost[] = [];
  readonly #comments: ModelComment[] = [];
  /** Post id -> person -> their reaction. */
  readonly #reactions = new Map<number, Map<string, Reaction>>();

  constructor(readonly people: readonly string[]) {
    if (new Set(people).size !== people.length) throw new Error('people must have distinct names');
    for (const person of people) this.#friends.set(person, new Set());
  }

  get posts(): readonly ModelPost[] {
    return this.#posts;
  }

  get comments(): readonly ModelComment[] {
    return this.#comments;
  }

  befriend(a: string, b: string): void {
    if (a === b) throw new Error(`${a} cannot befriend themselves`);
    this.#circle(a).add(b);
    this.#circle(b).add(a);
  }

  areFriends(a: string, b: string): boolean {
    return this.#circle(a).has(b);
  }

  friendsOf(person: string): readonly string[] {
    return [...this.#circle(person)];
  }

  /** Whether `viewer` sees `post` as their own or a friend's (and so may reply to it). */
  canSee(viewer: string, post: ModelPost): boolean {
    return post.author === viewer || this.areFriends(viewer, post.author);
  }

  /**
   * Whether `viewer`'s Home shows `post`: their own or a friend's, or a friend of a friend's
   * public post that the viewer or a friend of theirs answered (docs/data-model.md, "Public means
   * public").
   */
  onHome(viewer: string, post: ModelPost): boolean {
    if (this.canSee(viewer, post)) return true;
    if (post.audience !== 'public') return false;
    const circle = new Set([viewer, ...this.#circle(viewer)]);
    const reacted = [...(this.#reactions.get(post.id)?.keys() ?? [])];
    return (
      this.#comments.some((c) => c.postId === post.id && circle.has(c.author)) ||
      reacted.some((person) => circle.has(person))
    );
  }

  /** The posts `viewer`'s Home shows, oldest first. */
  visiblePosts(viewer: string): readonly ModelPost[] {
    return this.#posts.filter((post) => this.onHome(viewer, post));
  }

  addPost(author: string, audience: Audience): ModelPost {
    this.#circle(author);
    const id = this.#posts.length + 1;
    const post = { id, author, audience, text: postText(id) };
    this.#posts.push(post);
    return post;
  }

  addComment(author: string, post: ModelPost): ModelComment {
    this.#mustSee(author, post);
    const id = this.#comments.length + 1;
    const comment = { id, postId: post.id, author, text: commentText(id) };
    this.#comments.push(comment);
    return comment;
  }

  /** `person` presses `reaction` on `post`: returns their reaction afterwards. */
  react(person: string, post: ModelPost, reaction: Reaction): Reaction | null {
    this.#mustSee(person, post);
    let byPerson = this.#reactions.get(post.id);
    if (!byPerson) this.#reactions.set(post.id, (byPerson = new Map()));
    if (byPerson.get(person) === reaction) {
      byPerson.delete(person);
      return null;
    }
    byPerson.set(person, reaction);
    return reaction;
  }

  reactionOf(person: string, post: ModelPost): Reaction | null {
    return this.#reactions.get(post.id)?.get(person) ?? null;
  }

  /** What `viewer`'s Home must show, sorted by text. */
  expectedHome(viewer: string): ShownPost[] {
    return this.visiblePosts(viewer)
      .map((post) => {
        const reactions: Partial<Record<Reaction, number>> = {};
        for (const reaction of this.#reactions.get(post.id)?.values() ?? []) {
          reactions[reaction] = (reactions[reaction] ?? 0) + 1;
        }
        return {
          text: post.text,
          author: post.author,
          comments: this.#comments
            .filter((comment) => comment.postId === post.id)
            .map((comment) => commentLine(comment.text, comment.author))
            .sort(),
          reactions,
          mine: this.reactionOf(viewer, post),
        };
      })
      .sort(byText);
  }

  /** Friends-only posts `viewer` must never read: by someone who is neither them nor a friend. */
  unreadableBy(viewer: string): readonly ModelPost[] {
    return this.#posts.filter((post) => post.audience === 'friends' && !this.canSee(viewer, post));
  }

  #circle(person: string): Set<string> {
    const circle = this.#friends.get(person);
    if (!circle) throw new Error(`${person} is not in the run`);
    return circle;
  }

  #mustSee(person: string, post: ModelPost): void {
    if (!this.canSee(person, post)) {
      throw new Error(`${person} cannot see ${post.text} by ${post.author}: the run chose wrongly`);
    }
  }
}

/** Orders shown posts by text, so screen and model compare without caring for timeline order. */
export function byText(a: ShownPost, b: ShownPost): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}
