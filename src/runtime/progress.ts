/**
 * Progress for long work. On a terminal: a live bar (cli-progress). In a notebook: a few plain lines (the
 * first update, each quarter, the end), since the loss curve is the figure. In logs (CI, batch jobs): one line
 * every 30 s and one at the end. `CEFRLAB_QUIET=1` silences all of them.
 */
import * as cliProgress from 'cli-progress';

export interface Progress {
  /** Advance to `value` (absolute), with extra fields shown after the bar (loss, tok/s, ...). */
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

const fmt = (fields: Record<string, string | number>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join('  ');

function eta(start: number, value: number, total: number): string {
  if (value <= 0) return '?';
  const s = ((Date.now() - start) / 1000 / value) * (total - value);
  return s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;
}

/** Inside the notebook kernel stderr shows as an alarming red block: progress goes to stdout there. */
function inNotebookKernel(): boolean {
  try {
    return require('tslab/dist/jupyter').lastWriteDisplayData != null;
  } catch {
    return false;
  }
}

export function progress(label: string, total: number, stream: NodeJS.WriteStream = inNotebookKernel() ? process.stdout : process.stderr): Progress {
  if (process.env.CEFRLAB_QUIET === '1') return { update() {}, stop() {} };
  const start = Date.now();
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted} {extra}`, stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { extra: '' });
    return {
      update: (value, fields = {}) => bar.update(value, { extra: fmt(fields) }),
      stop: () => bar.stop(),
    };
  }
  // In a notebook: a few lines (start, every quarter, the end); in logs: one line every 30 s and the end.
  const notebook = inNotebookKernel() || process.env.CEFRLAB_PROGRESS === 'notebook';
  let last = 0;
  let lastValue = 0;
  let nextQuarter = 0;
  let lastFields: Record<string, string | number> = {};
  const line = (value: number, fields: Record<string, string | number>) => {
    stream.write(`${label} ${value}/${total} (${total ? Math.floor((100 * value) / total) : 100}%) eta ${eta(start, value, total)} ${fmt(fields)}\n`);
  };
  return {
    update(value, fields = {}) {
      lastValue = value;
      lastFields = fields;
      const now = Date.now();
      if (notebook) {
        if (total > 0 && value >= (nextQuarter * total) / 4 && value < total) {
          while (value >= (nextQuarter * total) / 4) nextQuarter++;
          line(value, fields);
        }
      } else if (now - last >= 30000 || last === 0) {
        last = now;
        line(value, fields);
      }
    },
    stop() {
      stream.write(`${label} ${lastValue}/${total} done in ${((Date.now() - start) / 1000).toFixed(1)}s ${fmt(lastFields)}\n`);
    },
  };
}
