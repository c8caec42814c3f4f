import { describe, expect, it } from 'vitest';
import { THEME_KEY, chooseTheme, savedTheme } from './theme.ts';

/** A Storage stand-in over a Map. */
function storage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

describe('the chosen theme', () => {
  it('follows the system until one is chosen, and keeps the choice', () => {
    const kept = storage();
    const root = { dataset: {} as Record<string, string> } as HTMLElement;
    expect(savedTheme(kept)).toBe('system');
    chooseTheme('dark', kept, root);
    expect(root.dataset.theme).toBe('dark');
    expect(savedTheme(kept)).toBe('dark');
    chooseTheme('system', kept, root);
    expect(root.dataset.theme).toBeUndefined();
    expect(kept.getItem(THEME_KEY)).toBeNull();
  });

  it('reads anything unknown as the system', () => {
    const kept = storage();
    kept.setItem(THEME_KEY, 'purple');
    expect(savedTheme(kept)).toBe('system');
  });
});
