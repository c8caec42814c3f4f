import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import type { MeshStatus } from '../../core/mesh/mesh.ts';
import type { FriendNetState } from '../../core/net/connection-manager.ts';
import {
  FRIEND_STATE_TEXT,
  friendState,
  nameList,
  outdatedNote,
  pendingText,
  reachable,
  statusLine,
} from './net-status.ts';

const alice = 'alice' as PersonId;
const bob = 'bob' as PersonId;

function net(friends: Record<string, FriendNetState>, extra: Partial<MeshStatus> = {}): MeshStatus {
  return {
    signaling: true,
    friends: new Map(Object.entries(friends) as [PersonId, FriendNetState][]),
    connections: 0,
    syncing: false,
    undelivered: 0,
    pending: new Map(),
    outdated: new Set(),
    ...extra,
  };
}

describe('the status line', () => {
  it('counts as connected only the friends the Friends screen calls connected or syncing', () => {
    const status = net({ alice: 'connected', bob: 'connecting' });
    expect(statusLine(status, false)).toBe('1 of 2 friends connected');
    const words = [alice, bob].map((p) => FRIEND_STATE_TEXT[friendState(status, p)!]);
    expect(words).toEqual(['connected', 'connecting…']);
  });

  it('a friend seen only through the server is not counted as connected', () => {
    expect(statusLine(net({ alice: 'online' }), false)).toBe('0 of 1 friend connected');
  });

  it('with the server down, open connections still count and the device is not offline', () => {
    const status = net({ alice: 'syncing' }, { signaling: false });
    expect(statusLine(status, false)).toBe(
      '1 of 1 friend connected · server unreachable · syncing…',
    );
    expect(reachable(status)).toBe(true);
  });

  it('with neither a server nor a connection, says offline', () => {
    const status = net({ alice: 'offline' }, { signaling: false });
    expect(statusLine(status, false)).toBe('offline · 0 of 1 friend connected');
    expect(reachable(status)).toBe(false);
  });

  it('someone with no friends sees no waiting changes', () => {
    expect(statusLine(net({}, { undelivered: 3 }), false)).toBe('online');
  });

  it('waiting changes are counted for someone with friends', () => {
    expect(statusLine(net({ alice: 'offline' }, { undelivered: 1 }), false)).toBe(
      '0 of 1 friend connected · 1 change waiting to be delivered',
    );
  });

  it('another tab holding the network is said as such, and a network starting here too', () => {
    expect(statusLine(null, true)).toMatch(/another open tab/);
    expect(statusLine(null, false)).toBe('Connecting…');
    expect(friendState(null, alice)).toBeNull();
  });
});

describe('what a pending mark says', () => {
  const names: Record<string, string> = { ben: 'Ben', carol: 'Carol', dan: 'Dan', eve: 'Eve' };
  const nameOf = (p: PersonId) => names[p] ?? 'Someone';

  it('no friend has it, or names the friends who lack it', () => {
    expect(pendingText({ reached: 'nobody' }, nameOf)).toBe(
      'Not delivered yet: no friend has it yet',
    );
    expect(pendingText({ reached: 'some', lacking: ['ben' as PersonId] }, nameOf)).toBe(
      'Not yet with Ben',
    );
    expect(pendingText({ reached: 'some', lacking: ['ben', 'carol'] as PersonId[] }, nameOf)).toBe(
      'Not yet with Ben and Carol',
    );
  });

  it('a long list is cut short', () => {
    expect(nameList(['Ben', 'Carol', 'Dan'])).toBe('Ben, Carol and Dan');
    expect(nameList(['Ben', 'Carol', 'Dan', 'Eve'])).toBe('Ben, Carol and 2 others');
  });
});

describe('a friend on an older Kith', () => {
  it('is asked to update, by name; nobody else is, nor anyone while another tab holds the network', () => {
    const status = net({ alice: 'online', bob: 'online' }, { outdated: new Set([bob]) });
    expect(outdatedNote(status, bob, 'Bob')).toBe('Bob needs to update Kith');
    expect(outdatedNote(status, alice, 'Alice')).toBeNull();
    expect(outdatedNote(null, bob, 'Bob')).toBeNull();
  });
});
