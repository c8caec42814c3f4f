/**
 * The mention half of a text box (the composer's, a comment's): the caret the suggestions follow,
 * the friends offered, the ones chosen so far (sent only while their `@Name` stays in the text),
 * and what the box tells assistive technology about the list (`suggesting`, `activeOption`).
 * One per box; the box and its `MentionSuggestions` bind to its fields.
 */
import { tick } from 'svelte';
import type { PersonId } from '../../core/ids.ts';
import {
  insertMention,
  liveMentions,
  namedCandidates,
  type MentionCandidate,
  type MentionQuery,
} from '../mentions.ts';
import type { Session } from './session.svelte.ts';

/** What a box needs of its `MentionSuggestions` (the component's exported `keydown`). */
interface SuggestionList {
  keydown(event: KeyboardEvent): void;
}

/** See the module doc. */
export class MentionInput {
  caret = $state(0);
  chosen = $state.raw<MentionCandidate[]>([]);
  suggesting = $state(false);
  activeOption = $state<string | undefined>(undefined);
  box = $state<HTMLTextAreaElement | HTMLInputElement | null>(null);
  suggestions = $state<SuggestionList | null>(null);
  /** The friends a mention may name, as this person knows them. */
  readonly friends: MentionCandidate[];

  /** A box whose text is `text()`, changed through `setText`. */
  constructor(
    session: () => Session,
    private readonly text: () => string,
    private readonly setText: (text: string) => void,
  ) {
    this.friends = $derived.by(() => {
      const s = session();
      return namedCandidates(s.friends, (id) => s.nameOf(id));
    });
  }

  /** Follows the caret (input, keys, clicks, selection). */
  readonly track = (): void => {
    this.caret = this.box?.selectionStart ?? this.text().length;
  };

  /** Lets the suggestion list take arrow keys, Enter, Tab and Escape while it shows. */
  readonly keydown = (event: KeyboardEvent): void => {
    this.suggestions?.keydown(event);
  };

  /** Puts `@Name ` for the picked friend in place of the query, caret after it. */
  readonly pick = async (candidate: MentionCandidate, query: MentionQuery): Promise<void> => {
    const inserted = insertMention(this.text(), query, candidate);
    this.setText(inserted.text);
    this.chosen = [...this.chosen, candidate];
    this.caret = inserted.caret;
    await tick();
    this.box?.focus();
    this.box?.setSelectionRange(inserted.caret, inserted.caret);
  };

  /** Who the text mentions now: the chosen friends whose `@Name` is still in it. */
  mentioned(): PersonId[] {
    return liveMentions(this.text(), this.chosen).map((m) => m.id);
  }

  /** Forgets the chosen friends (the text was sent). */
  clear(): void {
    this.chosen = [];
  }
}
