/**
 * axe-core in a real page, in both colour schemes: what `a11y.e2e.ts` audits every main screen
 * with, and what other stories audit their new views with. Any `serious` or `critical` finding
 * is returned as a printed line (rule, nodes, why); an audit that checked nothing fails.
 *
 * axe's source is evaluated through the DevTools protocol (`page.evaluate` of the script text),
 * which the page's Content-Security-Policy (`script-src 'self'`) does not govern.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

declare global {
  interface Window {
    /** axe-core, once the test has evaluated its source in the page. */
    axe?: { run: (context: Document) => Promise<AxeResults> };
  }
}

/** One violation as printed: the rule, its impact, and where. */
interface Finding {
  readonly rule: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly why: string }[];
}

/** Audits what `page` shows in both colour schemes; returns the serious and critical findings. */
export async function audit(page: Page, screen: string): Promise<string[]> {
  const lines: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    if (!(await page.evaluate(() => window.axe !== undefined))) await page.evaluate(AXE_SOURCE);
    const { passed, findings, unsure } = await page.evaluate(async () => {
      const results = await window.axe!.run(document);
      const summarize = (list: AxeResults['violations']): Finding[] =>
        list.map((v) => ({
          rule: v.id,
          impact: v.impact ?? 'unknown',
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), why: n.failureSummary ?? '' })),
        }));
      return {
        passed: results.passes.length,
        findings: summarize(results.violations),
        unsure: summarize(results.incomplete),
      };
    });
    // An audit that checked nothing would pass anything.
    expect(passed, `axe checked no rule on ${screen}`).toBeGreaterThan(10);
    // What axe could not decide counts too, except contrast over backgrounds it cannot compute
    // (text under the fixed navigation, over a photo): those are judged where it can.
    const undecided = unsure.filter((f) => f.rule !== 'color-contrast');
    for (const [kind, f] of [
      ...findings.map((f) => ['violation', f] as const),
      ...undecided.map((f) => ['needs review', f] as const),
    ]) {
      if (f.impact !== 'serious' && f.impact !== 'critical') continue;
      lines.push(
        `${screen} (${colorScheme}): ${kind} ${f.rule} [${f.impact}] ${f.help}\n` +
          f.nodes.map((n) => `    at ${n.target}: ${n.why.replace(/\n/g, ' ')}`).join('\n'),
      );
    }
  }
  await page.emulateMedia({ colorScheme: null });
  return lines;
}
