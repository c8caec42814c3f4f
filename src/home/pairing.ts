/**
 * `kith-home FOLDER --pair`: the home peer's side of pairing (`core/pairing/pair-session.ts`).
 * The pairing link comes on standard input (on the command line it would show in `ps` and the
 * shell's history). The home peer meets the person's device on the link's server, shows the
 * short code, and once the person confirmed in Settings that it matches, saves what it was
 * handed as FOLDER's `relay.json`: its key, its `relay` certificate, the handover, the relay
 * channel's secret, and the server's signaling URL and ICE servers. The FOLDER run then resumes
 * from that file, this time and every later one.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import { LinkError } from '../core/link/link-codec.ts';
import { joinOverSignaling } from '../core/link/link-channel.ts';
import {
  defaultSignalingUrl,
  SignalingClient,
  type Signaling,
  type WebSocketConstructor,
} from '../core/net/signaling-client.ts';
import { parsePairingText } from '../core/pairing/pair-codec.ts';
import { PairJoin } from '../core/pairing/pair-session.ts';
import { lockFolder } from './folder-lock.ts';
import { loadRelayState, saveRelayState, type RelayState } from './relay-state.ts';

/** Pairing did not happen; the message is the one line shown (exit status 2). */
export class PairingError extends Error {
  override readonly name = 'PairingError';
}

/** What pairing needs besides FOLDER. */
export interface PairingOptions {
  /** Reads the pairing link (standard input's first line). */
  readonly readLink: () => Promise<string>;
  readonly out: (line: string) => void;
  readonly WebSocket: WebSocketConstructor;
  readonly clock?: Clock;
  /** Opens signaling to `url` (default: a `SignalingClient`; tests pass an in-memory one). */
  readonly openSignaling?: (url: string) => { readonly signaling: Signaling; close(): void };
}

/** Pairs FOLDER (module doc); resolves with the state saved, throws {@link PairingError}. */
export async function pairFolder(folder: string, options: PairingOptions): Promise<RelayState> {
  const clock = options.clock ?? systemClock;
  const saved = await loadRelayState(folder);
  // An unpaired FOLDER may be paired again (what it holds stays, as any relay's would).
  if (saved !== null && saved.unpaired === undefined) {
    throw new PairingError(
      `${folder} is paired already: run it without --pair (a new pairing needs an empty FOLDER)`,
    );
  }
  const lock = await lockFolder(folder);
  try {
    options.out('Paste the pairing link from Settings → Home peer, then press Enter:');
    const text = await options.readLink();
    const { origin, payload } = refusing(() => parsePairingText(text));
    const join = await refusingAsync(() => PairJoin.open(payload, { clock }));
    const signalingUrl = defaultSignalingUrl(origin);
    const { signaling, close } = (options.openSignaling ?? clientOf(options.WebSocket))(
      signalingUrl,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      options.out(
        `Pairing code: ${join.code}. Check that Settings → Home peer shows the same code, ` +
          'and confirm there.',
      );
      const expired = new Promise<never>((_, reject) => {
        // The person's device refuses to confirm past the link's expiry: waiting longer is vain.
        const left = Math.max(0, join.expiresAt - clock.now());
        timer = setTimeout(() => reject(new LinkError('expired')), left);
      });
      const paired = await refusingAsync(() =>
        Promise.race([joinOverSignaling({ join, payload, signaling, clock }), expired]),
      );
      const state: RelayState = { ...paired, signalingUrl };
      await saveRelayState(folder, state);
      options.out(`Paired: ${folder} is your home peer now.`);
      return state;
    } finally {
      clearTimeout(timer);
      close();
    }
  } finally {
    await lock.release();
  }
}

/** Signaling over a WebSocket client, started at once. */
function clientOf(WebSocket: WebSocketConstructor) {
  return (url: string) => {
    const client = new SignalingClient({ url, WebSocket });
    client.start();
    return { signaling: client, close: () => client.stop() };
  };
}

/** One line per refusal of the link, for a person at a terminal. */
const REFUSALS: Record<LinkError['reason'], string> = {
  malformed: 'that is not a pairing link: copy it whole from Settings → Home peer',
  'unknown-version': 'that pairing link comes from a newer Kith: update this file',
  expired: 'the pairing link has expired: make a new one in Settings → Home peer',
  used: 'the pairing link was used already: make a new one in Settings → Home peer',
  refused: 'the codes did not match in Settings: nothing was paired',
  tampered: 'the pairing answer was altered on the way: nothing was paired',
  'bad-certificate': 'the pairing answer was not for this home peer: nothing was paired',
};

function refusal(error: unknown): never {
  if (error instanceof LinkError) throw new PairingError(REFUSALS[error.reason]);
  throw error;
}

function refusing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    return refusal(error);
  }
}

async function refusingAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    return refusal(error);
  }
}

/** Longest first line read from standard input (a pairing link is far shorter). */
const MAX_LINE_CHARS = 4096;

/** Standard input's first line (where the pairing link is pasted, or piped). */
export async function readStdinLine(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    const end = text.indexOf('\n');
    // Leaving the loop closes standard input: nothing else reads it.
    if (end !== -1) return text.slice(0, end);
    if (text.length > MAX_LINE_CHARS) return text;
  }
  if (text.trim() === '') throw new PairingError('no pairing link on standard input');
  return text;
}
