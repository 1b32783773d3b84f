/** Where headless Chromium is (PNG export of figures, src/plot/png.ts; reported by `cefrlab doctor`). */
import * as fs from 'node:fs';
import * as path from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable: CEFRLAB_CHROMIUM, or the first of the usual names on PATH. */
export function findChromium(): string | null {
  const forced = process.env.CEFRLAB_CHROMIUM;
  if (forced) return fs.existsSync(forced) ? forced : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      if (dir && fs.existsSync(file)) return file;
    }
  }
  return null;
}

