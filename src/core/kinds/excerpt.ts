/** How much of a text a mention notification quotes. */
const EXCERPT = 140;

/** The start of `text` a notification quotes. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > EXCERPT ? `${trimmed.slice(0, EXCERPT - 1)}…` : trimmed;
}
