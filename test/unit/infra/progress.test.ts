import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../shared/subscriptions/progress.ts';
import { renderColumns } from '../../../infra/subscribe/table.ts';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, s: { write: (x: string) => writes.push(x), isTTY, columns: 100 } };
}

describe('progress on stderr', () => {
  it('writes a plain line every 10 % when stderr is not a terminal', () => {
    const { writes, s } = stream(false);
    const p = createProgress(s);
    p.start('inspecting log groups', 1_000);
    for (let i = 0; i < 1_000; i++) p.tick();
    p.done();
    expect(writes).toEqual(['inspecting log groups: 0/1000\n', ...Array.from({ length: 10 }, (_, i) => `inspecting log groups: ${(i + 1) * 100}/1000\n`)]);
    expect(writes.join('')).not.toContain('\r');
  });

  it('redraws one bar in place on a terminal and clears it at the end', () => {
    const { writes, s } = stream(true);
    const p = createProgress(s);
    p.start('subscribing', 3);
    p.tick();
    p.tick();
    p.tick();
    p.done();
    expect(writes.every((w) => w.startsWith('\r'))).toBe(true);
    expect(writes.some((w) => w.includes('3/3 100%'))).toBe(true);
    expect(writes.at(-1)).toBe('\r\x1b[K');
    expect(writes.join('')).not.toContain('\n');
  });
});

describe('plan table layout', () => {
  it('aligns columns on the widest cell and does not pad the last one', () => {
    const text = renderColumns([
      { header: 'ACTION', values: ['will subscribe', 'blocked'] },
      { header: 'LOG GROUP', values: ['/a', '/much/longer/name'] },
      { header: 'DETAIL', values: ['x', 'y'] },
    ]);
    expect(text.split('\n')).toEqual([
      'ACTION          LOG GROUP          DETAIL',
      'will subscribe  /a                 x',
      'blocked         /much/longer/name  y',
    ]);
  });
});
