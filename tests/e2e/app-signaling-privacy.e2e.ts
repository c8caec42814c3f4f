/**
 * What the signaling server relays gives nothing away. Every message it relays during an invite,
 * the friendship it makes and a post each way is captured (the server's test tap); none contains
 * either display name, either person id, any public key of theirs (identity, encryption, device)
 * or the posts' text, raw or in hex, base64 or base64url, at any byte alignment.
 */
import { Buffer } from 'node:buffer';
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { befriend, enableTestHooks, explained, onboard, post, waitForPost } from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

const captured: string[] = [];

/** A person's public values, as bytes, read from their running Kith. */
async function publicValues(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => {
    const { identity, device } = window.kithTest!.saved;
    return {
      'identity key': Array.from(identity.publicKey),
      'encryption key': Array.from(identity.encryptionPublicKey),
      'device key': Array.from(device.key.publicKey),
    };
  });
}

/**
 * Every way `bytes` could show inside a relayed message: as text (for text), as JSON numbers,
 * hex in either case, and base64 and base64url starting at each of the three byte alignments
 * (full groups only, so the bytes around it cannot change what is looked for).
 */
function encodings(bytes: Buffer, text?: string): string[] {
  const forms = [bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.join(',')];
  if (text !== undefined) forms.push(text);
  for (let skip = 0; skip < 3; skip++) {
    const part = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3);
    forms.push(part.toString('base64'), part.toString('base64url'));
  }
  return forms.filter((form) => form.length >= 8);
}

requireNetns()('what the signaling server sees', () => {
  const e2e = setupE2e({
    site: 'app',
    onPublish: (topic, data) => captured.push(JSON.stringify({ topic, data })),
  });

  it('relays no name, id, public key or post text during an invite, a friendship and posts', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await Promise.all([enableTestHooks(alice.context), enableTestHooks(bob.context)]);
    const [a, b] = [alice.page, bob.page];
    const names = { alice: 'Alice Marchetti', bob: 'Bob Okonkwo' };
    const texts = ['Secret picnic by the old mill', 'I will bring the lemonade'];

    await explained({ alice: a, bob: b }, async () => {
      await alice.goto('/');
      await onboard(a, names.alice);
      await befriend(a, names.alice, b, names.bob);
      await post(a, texts[0]!);
      await waitForPost(b, names.alice, texts[0]!);
      await post(b, texts[1]!);
      await waitForPost(a, names.bob, texts[1]!);
    });

    const secrets = new Map<string, string[]>();
    for (const [who, page] of [
      ['Alice', a],
      ['Bob', b],
    ] as const) {
      const id = await page.evaluate(() => window.kithTest!.saved.identity.personId);
      secrets.set(`${who}'s person id`, [id]);
      for (const [what, bytes] of Object.entries(await publicValues(page))) {
        secrets.set(`${who}'s ${what}`, encodings(Buffer.from(bytes)));
      }
    }
    for (const text of [...Object.values(names), ...texts]) {
      secrets.set(`"${text}"`, encodings(Buffer.from(text, 'utf8'), text));
    }

    expect(captured.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [what, forms] of secrets) {
      for (const form of forms) {
        const at = captured.findIndex((message) => message.includes(form));
        if (at >= 0) leaks.push(`${what} as ${form} in ${captured[at]!.slice(0, 300)}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
