/**
 * The limit a text box shows while typing, instead of cutting a paste short without a word:
 * the count appears as the text nears the limit, and past it says by how much it is over (the
 * form then refuses to send, and nothing is lost).
 */

/** What a text box says about its length. */
export interface LimitNote {
  /** Whether anything shows: only near the limit or past it. */
  readonly show: boolean;
  /** Whether the text is too long to send. */
  readonly over: boolean;
  /** The words shown. */
  readonly text: string;
}

/** Shown from this share of the limit on. */
const NEAR = 0.8;

/** The note for a text of `length` characters (UTF-16 code units) under a limit of `max`. */
export function limitNote(length: number, max: number, locale?: string): LimitNote {
  const n = (value: number) => value.toLocaleString(locale);
  if (length > max) {
    const excess = length - max;
    return {
      show: true,
      over: true,
      text: `${n(excess)} ${excess === 1 ? 'character' : 'characters'} too long (at most ${n(max)})`,
    };
  }
  return { show: length >= max * NEAR, over: false, text: `${n(length)} of ${n(max)} characters` };
}
