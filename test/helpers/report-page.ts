/** Opens a run report (report.html) in Chromium from disk, as a user would, and collects what would go wrong. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../core/paths.js';
import { watchPageProblems } from './chromium.js';

const SHOTS = join(PROJECT_ROOT, 'test-results');

/** Opens a report page and returns what a user would notice going wrong: console errors, failed loads, broken images. */
export async function openReport(b: Browser, html: string, shot: string) {
  const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPageProblems(page);
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  const brokenImages = await page.$$eval('img', (imgs) =>
    imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt),
  );
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  return { page, problems, brokenImages };
}
