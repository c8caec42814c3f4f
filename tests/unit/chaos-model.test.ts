import { describe, expect, it } from 'vitest';
import { ChaosModel } from '../e2e/chaos/model.ts';
import { chaosSeed, SeededRandom } from '../e2e/chaos/random.ts';

describe('the chaos run model', () => {
  function threeFriends(): ChaosModel {
    // Alice - Bob - Carol: Alice and Carol are not friends.
    const model = new ChaosModel(['Alice', 'Bob', 'Carol']);
    model.befriend('Alice', 'Bob');
    model.befriend('Bob', 'Carol');
    return model;
  }

  it("shows one's own and friends' posts, whatever their audience, and no one else's", () => {
    const model = threeFriends();
    model.addPost('Alice', 'friends');
    model.addPost('Carol', 'public');
    model.addPost('Bob', 'friends');
    const texts = (name: string) => model.expectedHome(name).map((p) => p.text);
    expect(texts('Alice')).toEqual(['Chaos post #1', 'Chaos post #3']);
    expect(texts('Bob')).toEqual(['Chaos post #1', 'Chaos post #2', 'Chaos post #3']);
    expect(texts('Carol')).toEqual(['Chaos post #2', 'Chaos post #3']);
    expect(model.unreadableBy('Carol').map((p) => p.text)).toEqual(['Chaos post #1']);
    expect(model.unreadableBy('Alice')).toEqual([]);
  });

  it("shows a friend of a friend's public post while a friend answered it, never a friends-only one", () => {
    const model = threeFriends();
    const carols = model.addPost('Carol', 'public');
    const carolsFriendsOnly = model.addPost('Carol', 'friends');
    const texts = (name: string) => model.expectedHome(name).map((p) => p.text);
    expect(texts('Alice')).toEqual([]);
    expect(model.react('Bob', carols, 'like')).toBe('like');
    model.addComment('Bob', carolsFriendsOnly);
    expect(texts('Alice')).toEqual([carols.text]);
    expect(model.expectedHome('Alice')[0]).toMatchObject({ reactions: { like: 1 }, mine: null });
    expect(model.react('Bob', carols, 'like')).toBeNull();
    expect(texts('Alice')).toEqual([]);
    model.addComment('Bob', carols);
    expect(model.expectedHome('Alice')[0]?.comments).toEqual(['Chaos comment #2 by Bob']);
  });

  it('gives every reader of a post all its comments, a non-friend commenter included', () => {
    const model = threeFriends();
    const bobs = model.addPost('Bob', 'friends');
    model.addComment('Carol', bobs);
    model.addComment('Alice', bobs);
    expect(model.expectedHome('Alice')[0]?.comments).toEqual([
      'Chaos comment #1 by Carol',
      'Chaos comment #2 by Alice',
    ]);
  });

  it('keeps one reaction per person and post: the same one again takes it back', () => {
    const model = threeFriends();
    const bobs = model.addPost('Bob', 'public');
    expect(model.react('Alice', bobs, 'love')).toBe('love');
    expect(model.react('Carol', bobs, 'love')).toBe('love');
    expect(model.react('Alice', bobs, 'wow')).toBe('wow');
    expect(model.react('Carol', bobs, 'love')).toBeNull();
    expect(model.expectedHome('Bob')[0]).toMatchObject({ reactions: { wow: 1 }, mine: null });
    expect(model.expectedHome('Alice')[0]).toMatchObject({ mine: 'wow' });
  });

  it('refuses a reply by someone who cannot see the post (the run chose wrongly)', () => {
    const model = threeFriends();
    const alices = model.addPost('Alice', 'public');
    expect(() => model.addComment('Carol', alices)).toThrow(/cannot see/);
    expect(() => model.react('Carol', alices, 'like')).toThrow(/cannot see/);
  });
});

describe('the chaos run seed', () => {
  it('replays the same choices from the same seed, and others from another', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => random.int(1000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('takes KITH_CHAOS_SEED when set, and refuses one that is not a 32-bit integer', () => {
    expect(chaosSeed({ KITH_CHAOS_SEED: '123' })).toBe(123);
    expect(() => chaosSeed({ KITH_CHAOS_SEED: 'abc' })).toThrow(/KITH_CHAOS_SEED/);
    expect(() => chaosSeed({ KITH_CHAOS_SEED: String(2 ** 32) })).toThrow(/KITH_CHAOS_SEED/);
    const fresh = chaosSeed({});
    expect(Number.isInteger(fresh) && fresh >= 0 && fresh < 2 ** 32).toBe(true);
  });

  it('chooses by weight and never a zero weight', () => {
    const random = new SeededRandom(7);
    const chosen = new Set(
      Array.from({ length: 200 }, () => random.weighted({ a: 1, b: 0, c: 3 })),
    );
    expect(chosen).toEqual(new Set(['a', 'c']));
  });
});
