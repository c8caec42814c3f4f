import { describe, expect, it } from 'vitest';
import { personIdFromKey } from '../ids.ts';
import { ACCEPT_GRACE_MS, InviteBook } from './invite-book.ts';

const bob = personIdFromKey(new Uint8Array(32).fill(2));
const carol = personIdFromKey(new Uint8Array(32).fill(3));
const EXPIRES = 1_000_000;

function book(multiUse = false): InviteBook {
  const b = new InviteBook();
  b.issue({ inviteId: 'i', secret: new Uint8Array(32), expiresAt: EXPIRES, multiUse });
  return b;
}

describe('invite book', () => {
  it('honours an accept made in time when the inviter answers later, within the grace', () => {
    expect(book().decide('i', bob, EXPIRES + 2 * 24 * 3_600_000, EXPIRES - 1)).toBe('welcome');
    expect(book().decide('i', bob, EXPIRES + ACCEPT_GRACE_MS + 1, EXPIRES - 1)).toBe('expired');
    expect(book().decide('i', bob, EXPIRES + 1, EXPIRES + 1)).toBe('expired');
    expect(book().decide('i', bob, EXPIRES + 1)).toBe('expired');
  });

  it('decides used, revoked and unknown, and welcomes the same invitee again', () => {
    const b = book();
    expect(b.peek('i', bob, 0)).toBe('welcome');
    expect(b.get('i')?.usedBy).toEqual([]);
    expect(b.decide('i', bob, 0)).toBe('welcome');
    expect(b.decide('i', carol, 0)).toBe('used');
    expect(b.decide('i', bob, EXPIRES + ACCEPT_GRACE_MS + 5)).toBe('welcome');
    expect(b.revoke('i')).toBe(true);
    expect(b.decide('i', carol, 0)).toBe('revoked');
    expect(b.decide('nope', carol, 0)).toBe('revoked');
    expect(b.revoke('nope')).toBe(false);
    expect(() =>
      b.issue({ inviteId: 'i', secret: new Uint8Array(32), expiresAt: 1, multiUse: false }),
    ).toThrow();
  });

  it('lists open invites, and round-trips through its entries', () => {
    const b = book(true);
    b.decide('i', bob, 0);
    expect(b.open(0).map((i) => i.inviteId)).toEqual(['i']);
    expect(b.open(EXPIRES + 1)).toEqual([]);
    const copy = new InviteBook(b.entries());
    expect(copy.get('i')?.usedBy).toEqual([bob]);
    expect(copy.decide('i', carol, 0)).toBe('welcome');
  });
});
