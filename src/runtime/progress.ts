/**
 * Progress for long work. On a terminal: a live bar (cli-progress). Elsewhere (notebooks, CI logs): one
 * plain line every few seconds, so output stays readable. `CEFRLAB_QUIET=1` silences both.
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
  let last = 0;
  let lastValue = 0;
  let lastFields: Record<string, string | number> = {};
  const line = (value: number, fields: Record<string, string | number>) =>
    stream.write(`${label} ${value}/${total} (${total ? Math.floor((100 * value) / total) : 100}%) eta ${eta(start, value, total)} ${fmt(fields)}\n`);
  return {
    update(value, fields = {}) {
      lastValue = value;
      lastFields = fields;
      const now = Date.now();
      if (now - last >= 5000) {
        last = now;
        line(value, fields);
      }
    },
    stop() {
      line(lastValue, { ...lastFields, time: `${((Date.now() - start) / 1000).toFixed(1)}s` });
    },
  };
}
