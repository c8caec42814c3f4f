import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createInvite, inviteLink } from '../../core/invite/invite-codec.ts';
import { publishEncryptionKey } from '../../core/identity/encryption-key-record.ts';
import { identityFromSeed } from '../../core/identity/keys.ts';
import { checkInvite } from './invite-check.ts';

const NOW = 1_700_000_000_000;

async function link(inviterName?: string): Promise<string> {
  const alice = await identityFromSeed(new Uint8Array(32).fill(1));
  const invite = await createInvite({
    identity: alice,
    inviterName,
    keyRecord: await publishEncryptionKey(alice, NOW),
    expiresAt: NOW + 1_000,
    signalingUrls: ['wss://kith.example/signaling'],
  });
  return inviteLink('https://kith.example', invite);
}

describe('reading an invite link as it is opened', () => {
  it('names the inviter of a good link', async () => {
    expect(await checkInvite(await link('Alice'), new ManualClock(NOW))).toEqual({
      ok: true,
      inviterName: 'Alice',
    });
  });

  it('an old link names nobody but is good', async () => {
    expect(await checkInvite(await link(), new ManualClock(NOW))).toEqual({
      ok: true,
      inviterName: null,
    });
  });

  it('says an expired link has expired', async () => {
    expect(await checkInvite(await link('Alice'), new ManualClock(NOW + 1_001))).toEqual({
      ok: false,
      problem: 'This invite has expired. Ask your friend for a new link.',
    });
  });

  it('says a cut link is damaged', async () => {
    const cut = (await link('Alice')).slice(0, -20);
    expect(await checkInvite(cut, new ManualClock(NOW))).toEqual({
      ok: false,
      problem: 'This invite link is damaged or incomplete. Ask your friend to send it again.',
    });
  });
});
