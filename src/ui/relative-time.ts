/**
 * How a post or a comment says when it was written: relative while recent ("Just now", "3 min",
 * "5 h", "Yesterday", "3 d"), a date afterwards ("12 Mar", "12 Mar 2025"), as social apps do.
 * The exact time goes beside it (`exactTime`: a `<time>`'s title, shown on hover or long press).
 * Messages say their time of day as well (`messageTime`). Pure: the present and the locale are
 * passed in.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The calendar day of `time` in the local time zone, as a comparable number. */
function dayNumber(time: number): number {
  const d = new Date(time);
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / (24 * HOUR);
}

/** When `then` was, said relative to `now`, in short words. */
export function relativeTime(then: number, now: number, locale?: string): string {
  const ago = now - then;
  // A time a little ahead (another device's clock) reads as now.
  if (ago < MINUTE) return 'Just now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min`;
  const days = dayNumber(now) - dayNumber(then);
  if (days === 0) return `${Math.floor(ago / HOUR)} h`;
  if (days === 1) return 'Yesterday';
  if (days < 7) return `${days} d`;
  return dateOf(then, now, locale);
}

/** The day of `then`, with its year only when that is not the year of `now`. */
function dateOf(then: number, now: number, locale: string | undefined): string {
  const sameYear = new Date(then).getFullYear() === new Date(now).getFullYear();
  return formatter(locale, sameYear ? 'date' : 'dateAndYear').format(then);
}

/**
 * When a message was sent, as chat apps say it: the time alone today ("10:05"), "Yesterday" and
 * the time, then the date and the time ("12 Mar, 10:05"), with the year when it is another.
 */
export function messageTime(then: number, now: number, locale?: string): string {
  const time = formatter(locale, 'time').format(then);
  const days = dayNumber(now) - dayNumber(then);
  if (days <= 0) return time;
  if (days === 1) return `Yesterday, ${time}`;
  return `${dateOf(then, now, locale)}, ${time}`;
}

/** The exact date and time of `then`, in full. */
export function exactTime(then: number, locale?: string): string {
  return formatter(locale, 'exact').format(then);
}

const STYLES = {
  date: { day: 'numeric', month: 'short' },
  dateAndYear: { day: 'numeric', month: 'short', year: 'numeric' },
  exact: { dateStyle: 'full', timeStyle: 'short' },
  time: { timeStyle: 'short' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

// Made once per locale and style: making a formatter costs far more than formatting, and a
// page of posts formats two times each (the timeline's first render, issue 23 item 5).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string | undefined, style: keyof typeof STYLES): Intl.DateTimeFormat {
  const key = `${locale ?? ''}/${style}`;
  let made = formatters.get(key);
  if (!made) {
    made = new Intl.DateTimeFormat(locale, STYLES[style]);
    formatters.set(key, made);
  }
  return made;
}
