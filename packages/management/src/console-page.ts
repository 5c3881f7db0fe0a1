import { readFileSync } from 'node:fs';

let page: string | undefined;

/** The web console: one static HTML file with inline CSS and JavaScript, shipped in `console/`. */
export function consolePage(): string {
  page ??= readFileSync(new URL('../console/index.html', import.meta.url), 'utf8');
  return page;
}
