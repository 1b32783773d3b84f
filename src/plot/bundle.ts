/**
 * The plotly.js bundle as a <script> that defines `window.Plotly` even on pages that load require.js
 * (the classic notebook UI and some nbconvert templates), where a UMD bundle would register itself as an
 * AMD module instead. The minified build is preferred: it keeps each report about 4.6 MB lighter.
 */
import * as fs from 'node:fs';

let cached: string | null = null;

export function plotlyBundlePath(): string {
  for (const id of ['plotly.js-dist-min/plotly.min.js', 'plotly.js-dist/plotly.js']) {
    try {
      return require.resolve(id);
    } catch {
      /* try the next build */
    }
  }
  throw new Error('plotly.js is not installed: run `npm install` in the project root');
}

export function plotlyScriptTag(): string {
  if (cached == null) {
    const source = fs.readFileSync(plotlyBundlePath(), 'utf8').replace(/<\/script/gi, '<\\/script');
    // Shadow the module systems so the bundle takes its global branch.
    cached = `<script type="text/javascript">(function(){var define=undefined,module=undefined,exports=undefined;\n${source}\n}).call(window);</script>`;
  }
  return cached;
}
