/**
 * Progress on stderr, so stdout carries only the plan table (pipe it, diff it, attach it to a
 * change request). On a terminal: a bar redrawn in place. Elsewhere (CI logs, files): a plain
 * line every 10 %, never a flood of carriage returns.
 */
export interface Progress {
  /** A phase whose size is unknown (listing log groups): reports a running count. */
  count(label: string, n: number): void;
  /** Starts a phase of `total` steps. */
  start(label: string, total: number): void;
  tick(n?: number): void;
  /** Ends the current phase (clears the bar line). */
  done(): void;
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export const silentProgress: Progress = { count: () => {}, start: () => {}, tick: () => {}, done: () => {} };

export function createProgress(stream: ProgressStream): Progress {
  return stream.isTTY ? ttyProgress(stream) : lineProgress(stream);
}

function ttyProgress(stream: ProgressStream): Progress {
  let label = '';
  let total = 0;
  let current = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 80) return;
    lastDraw = now;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 30));
    const filled = total === 0 ? width : Math.round((current / total) * width);
    const pct = total === 0 ? 100 : Math.floor((current / total) * 100);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${current}/${total} ${pct}%\x1b[K`);
  };
  return {
    count(l, n) {
      const now = Date.now();
      if (now - lastDraw < 80) return;
      lastDraw = now;
      stream.write(`\r${l}: ${n}\x1b[K`);
    },
    start(l, t) {
      label = l;
      total = t;
      current = 0;
      draw(true);
    },
    tick(n = 1) {
      current += n;
      draw(current >= total);
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}

function lineProgress(stream: ProgressStream): Progress {
  let label = '';
  let total = 0;
  let current = 0;
  let nextReport = 0;
  let lastCountReport = 0;
  return {
    count(l, n) {
      // A line per 1,000 listed log groups.
      if (n - lastCountReport >= 1_000) {
        lastCountReport = n;
        stream.write(`${l}: ${n}\n`);
      }
    },
    start(l, t) {
      label = l;
      total = t;
      current = 0;
      nextReport = Math.max(1, Math.ceil(t / 10));
      lastCountReport = 0;
      stream.write(`${label}: 0/${total}\n`);
    },
    tick(n = 1) {
      current += n;
      if (current >= nextReport || current === total) {
        stream.write(`${label}: ${current}/${total}\n`);
        nextReport = current + Math.max(1, Math.ceil(total / 10));
      }
    },
    done() {},
  };
}
