/** Parses Prometheus text exposition into `name{labels}` -> value (labels as written). */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

/** The sample `name` with exactly `labels` (in any order) in `text`, or undefined. */
export function sample(
  samples: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const keyName = brace === -1 ? key : key.slice(0, brace);
    if (keyName !== name) continue;
    const keyLabels =
      brace === -1
        ? ''
        : key
            .slice(brace + 1, -1)
            .split(',')
            .sort()
            .join(',');
    if (keyLabels === wanted) return value;
  }
  return undefined;
}
