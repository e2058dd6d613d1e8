/** axe over a page as it stands, in the light and the dark theme: every violation of any impact. */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * Runs axe twice, with the system preferring light and then dark (the pages follow the system
 * unless a theme was chosen), and returns every violation as "theme impact id: targets".
 * The page is left preferring light.
 */
export async function axeViolations(page: Page, opts: { disableRules?: string[] } = {}): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const r = await new AxeBuilder({ page }).disableRules(opts.disableRules ?? []).analyze();
    for (const v of r.violations) found.push(`${colorScheme} ${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** Whether the page is wider than the window (a phone would scroll sideways). */
export const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
