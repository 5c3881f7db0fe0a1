// Hand-written SVG charts for the benchmark report: a line chart (values against a numeric x,
// optionally on a log scale) and a grouped bar chart. No plotting dependency on purpose.

/** One line of a {@link lineChartSvg}: points in x order; missing values are skipped. */
export interface LineSeries {
  readonly name: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number | undefined }>;
}

/** What a {@link lineChartSvg} draws. */
export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Log-scale x (for cluster sizes 10, 100, 1000). Default false. */
  readonly logX?: boolean;
}

/** What a {@link barChartSvg} draws: one group per category, one bar per series in each group. */
export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: ReadonlyArray<{
    readonly name: string;
    /** One value per category; undefined leaves a gap. */
    readonly values: ReadonlyArray<number | undefined>;
  }>;
  /** Log-scale y, for values spanning orders of magnitude. Default false. */
  readonly logY?: boolean;
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 72, right: 200, top: 44, bottom: 64 } as const;
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'] as const;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function colorAt(index: number): string {
  return COLORS[index % COLORS.length]!;
}

/** Round number: 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Ticks from 0 to a round maximum covering `max`, about five of them. */
function linearTicks(max: number): number[] {
  const top = max > 0 ? max : 1;
  const step = niceStep(top / 5);
  const ticks: number[] = [];
  for (let tick = 0; tick < top + step * 0.999; tick += step) ticks.push(tick);
  return ticks;
}

/** Powers of ten covering [min, max]. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) {
    ticks.push(10 ** power);
  }
  return ticks;
}

/** Short label: 1200 -> 1.2k, 3_400_000 -> 3.4M, 12.26 -> 12.3, 0.25 -> 0.25. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const trim = (text: string): string => text.replace(/\.0$/, '');
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (abs >= 1e3) return `${trim((value / 1e3).toFixed(1))}k`;
  if (abs >= 100 || abs === 0) return `${Math.round(value)}`;
  if (abs >= 10) return trim(value.toFixed(1));
  return trim(value.toFixed(abs >= 1 ? 1 : 2));
}

function frame(title: string, yLabel: string, body: string[], legend: string[]): string {
  const yMid = MARGIN.top + PLOT_H / 2;
  const legendItems = legend.map((name, index) => {
    const y = MARGIN.top + 8 + index * 22;
    const x = MARGIN.left + PLOT_W + 16;
    return `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${colorAt(index)}"/><text x="${x + 20}" y="${y}" font-size="12" ${FONT}>${escapeXml(name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2 + MARGIN.left / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    `<text transform="translate(18 ${yMid}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(yLabel)}</text>`,
    ...body,
    ...legendItems,
    '</svg>',
    '',
  ].join('\n');
}

function yGrid(ticks: readonly number[], toY: (value: number) => number): string[] {
  return ticks.flatMap((tick) => {
    const y = toY(tick).toFixed(1);
    return [
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" ${FONT}>${compactNumber(tick)}</text>`,
    ];
  });
}

function axes(): string {
  const bottom = MARGIN.top + PLOT_H;
  return `<path d="M${MARGIN.left} ${MARGIN.top} V${bottom} H${MARGIN.left + PLOT_W}" fill="none" stroke="#333"/>`;
}

/**
 * An SVG line chart with one coloured line and labelled dot per point for each series. Labels of
 * odd-numbered series sit below their points, so list the upper of two close lines first.
 */
export function lineChartSvg(spec: LineChartSpec): string {
  const xs = spec.series.flatMap((series) => series.points.map((point) => point.x));
  const ys = spec.series.flatMap((series) =>
    series.points.flatMap((point) => (point.y === undefined ? [] : [point.y])),
  );
  const logX = spec.logX === true && xs.every((x) => x > 0);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const scaleX = (x: number): number => (logX ? Math.log10(x) : x);
  const span = scaleX(xMax) - scaleX(xMin) || 1;
  const padding = 0.05 * PLOT_W;
  const toX = (x: number): number =>
    MARGIN.left + padding + ((scaleX(x) - scaleX(xMin)) / span) * (PLOT_W - 2 * padding);
  const ticks = linearTicks(Math.max(0, ...ys));
  const yTop = ticks.at(-1) ?? 1;
  const toY = (y: number): number => MARGIN.top + PLOT_H - (y / yTop) * PLOT_H;

  const bottom = MARGIN.top + PLOT_H;
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const body: string[] = [
    ...yGrid(ticks, toY),
    axes(),
    ...xTicks.map(
      (x) =>
        `<text x="${toX(x).toFixed(1)}" y="${bottom + 18}" text-anchor="middle" font-size="11" ${FONT}>${compactNumber(x)}</text>`,
    ),
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${bottom + 44}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(spec.xLabel)}${logX ? ' (log scale)' : ''}</text>`,
  ];
  spec.series.forEach((series, index) => {
    const color = colorAt(index);
    // Labels of every other series go below their points, so two close lines stay readable:
    // list the upper line first.
    const labelDy = index % 2 === 0 ? -6 : 14;
    const points = series.points.flatMap((point) =>
      point.y === undefined ? [] : [{ x: toX(point.x), y: toY(point.y), value: point.y }],
    );
    if (points.length > 1) {
      const d = points
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`)
        .join(' ');
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of points) {
      body.push(
        `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(series.name)}: ${compactNumber(p.value)}</title></circle>`,
        `<text x="${(p.x + 6).toFixed(1)}" y="${(p.y + labelDy).toFixed(1)}" font-size="10" fill="${color}" ${FONT}>${compactNumber(p.value)}</text>`,
      );
    }
  });
  return frame(
    spec.title,
    spec.yLabel,
    body,
    spec.series.map((series) => series.name),
  );
}

/** An SVG grouped bar chart, each bar labelled with its value. */
export function barChartSvg(spec: BarChartSpec): string {
  const values = spec.series.flatMap((series) =>
    series.values.flatMap((value) => (value === undefined || value <= 0 ? [] : [value])),
  );
  const logY = spec.logY === true;
  const bottom = MARGIN.top + PLOT_H;
  let ticks: number[];
  let toY: (value: number) => number;
  if (logY) {
    ticks = logTicks(Math.min(...values, 1), Math.max(...values, 10));
    const low = Math.log10(ticks[0]!);
    const high = Math.log10(ticks.at(-1)!);
    toY = (value) =>
      bottom - ((Math.log10(Math.max(value, ticks[0]!)) - low) / (high - low)) * PLOT_H;
  } else {
    ticks = linearTicks(Math.max(0, ...values));
    const top = ticks.at(-1) ?? 1;
    toY = (value) => bottom - (value / top) * PLOT_H;
  }
  const groupWidth = PLOT_W / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const body: string[] = [...yGrid(ticks, toY), axes()];
  spec.categories.forEach((category, groupIndex) => {
    const groupX = MARGIN.left + groupIndex * groupWidth + groupWidth * 0.1;
    spec.series.forEach((series, seriesIndex) => {
      const value = series.values[groupIndex];
      if (value === undefined || value <= 0) return;
      const x = groupX + seriesIndex * barWidth;
      const y = toY(value);
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(bottom - y).toFixed(1)}" fill="${colorAt(seriesIndex)}"><title>${escapeXml(`${series.name}, ${category}: ${compactNumber(value)}`)}</title></rect>`,
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="9" ${FONT}>${compactNumber(value)}</text>`,
      );
    });
    const labelX = MARGIN.left + groupIndex * groupWidth + groupWidth / 2;
    const lines = wrapLabel(category, 16);
    lines.forEach((line, lineIndex) => {
      body.push(
        `<text x="${labelX.toFixed(1)}" y="${bottom + 16 + lineIndex * 13}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(line)}</text>`,
      );
    });
  });
  if (logY) {
    body.push(
      `<text x="${MARGIN.left + 4}" y="${MARGIN.top - 6}" font-size="10" fill="#666" ${FONT}>log scale</text>`,
    );
  }
  return frame(
    spec.title,
    spec.yLabel,
    body,
    spec.series.map((series) => series.name),
  );
}

/** Splits a label at spaces into lines of at most about `width` characters (max 3 lines). */
function wrapLabel(label: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of label.split(' ')) {
    if (current.length > 0 && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current.length > 0 ? `${current} ${word}` : word;
    }
  }
  if (current.length > 0) lines.push(current);
  return lines.slice(0, 3);
}
