import { describe, expect, it } from 'vitest';
import { barChartSvg, compactNumber, lineChartSvg } from '../src/plot.js';

/** Every `<tag` opened is closed (self-closing or by `</tag>`), a cheap well-formedness check. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return false;
    } else {
      stack.push(name!);
    }
  }
  return stack.length === 0;
}

describe('compactNumber', () => {
  it('shortens thousands and millions and keeps small values readable', () => {
    expect(compactNumber(0)).toBe('0');
    expect(compactNumber(0.25)).toBe('0.25');
    expect(compactNumber(8.4)).toBe('8.4');
    expect(compactNumber(12.26)).toBe('12.3');
    expect(compactNumber(40)).toBe('40');
    expect(compactNumber(950)).toBe('950');
    expect(compactNumber(1200)).toBe('1.2k');
    expect(compactNumber(2000)).toBe('2k');
    expect(compactNumber(58_000)).toBe('58k');
    expect(compactNumber(3_400_000)).toBe('3.4M');
  });
});

describe('lineChartSvg', () => {
  const svg = lineChartSvg({
    title: 'Detection <time> & size',
    xLabel: 'nodes',
    yLabel: 'seconds',
    logX: true,
    series: [
      {
        name: 'first',
        points: [
          { x: 10, y: 8.4 },
          { x: 100, y: 12.3 },
          { x: 1000, y: undefined },
        ],
      },
      { name: 'all', points: [{ x: 10, y: 9 }] },
    ],
  });

  it('draws one path for a series with two points, a dot per present point, and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(2); // axes + the 'first' line
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('>first</text>');
    expect(svg).toContain('(log scale)');
  });

  it('escapes text', () => {
    expect(svg).toContain('Detection &lt;time&gt; &amp; size');
    expect(svg).not.toContain('<time>');
  });

  it('places larger values higher on the chart', () => {
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[1]!).toBeLessThan(ys[0]!); // 12.3 above 8.4
  });
});

describe('barChartSvg', () => {
  it('draws one bar per present positive value, on a log scale when asked', () => {
    const svg = barChartSvg({
      title: 'calls/s',
      yLabel: 'calls/s',
      categories: ['unary 64B c=1', 'unary 64B c=64'],
      logY: true,
      series: [
        { name: 'grpc-js', values: [500, 4000] },
        { name: 'rpcnet', values: [120, undefined] },
      ],
    });
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/<rect x="[\d.]+" y=/g)).toHaveLength(3 + 2); // 3 bars + 2 legend swatches
    expect(svg).toContain('log scale');
    expect(svg).toContain('grpc-js, unary 64B c=64: 4k');
  });
});
