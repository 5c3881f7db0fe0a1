// Checks that the defaults stated in the docs are the code's. A table preceded by a marker
//   <!-- defaults: lanClusterConfig() wanClusterConfig() localClusterConfig() -->
// has the option name in its first column (`name`, nested as `a.b`) and one column per named
// source after it; further columns are prose. A cell is a backticked JS expression (`30_000`,
// `'0.0.0.0'`, `1 / 3`), `none...` for "no default", or empty for "same as the first source".
// A table must list every option of its sources, unless the marker ends with `partial`.
// Sources are read from the built packages, so run `pnpm build` first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const load = (pkg, file = 'index.js') => import(join(root, 'packages', pkg, 'dist', file));

const gossip = await load('gossip');
const phi = await load('phi');
const core = await load('core');
const registry = await load('registry');
const clusterClient = await load('cluster-client');
const management = await load('management');
// The QUIC option schema is internal to core; its defaults are what it fills into `{ tls: {} }`.
const quicConfig = await load('core', 'quic/config.js');
const {
  tls: _tls,
  logger: _logger,
  ...quicDefaults
} = quicConfig.parseQuicTransportOptions({
  tls: {},
});

// The cluster config schema is internal to gossip; its fields are what every preset must cover.
const gossipConfig = await load('gossip', 'config.js');
const clusterFields = new Set(Object.keys(gossipConfig.clusterConfigSchema.shape));

/** Where a column's values come from, and (when known) every field the table must cover. */
const sources = {
  'lanClusterConfig()': { values: gossip.lanClusterConfig(), fields: clusterFields },
  'wanClusterConfig()': { values: gossip.wanClusterConfig(), fields: clusterFields },
  'localClusterConfig()': { values: gossip.localClusterConfig(), fields: clusterFields },
  PHI_DEFAULTS: { values: phi.PHI_DEFAULTS },
  REGISTRY_DEFAULTS: { values: registry.REGISTRY_DEFAULTS },
  HEALTH_DEFAULTS: { values: registry.HEALTH_DEFAULTS },
  CLUSTER_CLIENT_DEFAULTS: { values: clusterClient.CLUSTER_CLIENT_DEFAULTS },
  MANAGEMENT_DEFAULTS: { values: management.MANAGEMENT_DEFAULTS },
  defaultRpcLimits: { values: core.defaultRpcLimits },
  QuicTransportOptions: { values: quicDefaults },
};

function markdownFiles() {
  const listMd = (dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((name) => name.endsWith('.md'))
          .map((name) => `${dir}/${name}`)
      : [];
  const files = [...listMd('docs')];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    if (existsSync(join(root, 'packages', pkg, 'README.md')))
      files.push(`packages/${pkg}/README.md`);
    files.push(...listMd(`packages/${pkg}/docs`));
  }
  return files.sort();
}

const cellsOf = (row) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

function lookup(values, path) {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), values);
}

/** Every leaf path of a defaults object, nested objects flattened as `a.b`. */
function leafPaths(values, prefix = '') {
  return Object.entries(values).flatMap(([key, value]) =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length
      ? leafPaths(value, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/** The documented value of a cell: `{ value }`, or `{ error }` when the cell cannot be read. */
function documented(cell) {
  if (/^(none|—)/i.test(cell)) return { value: undefined };
  const code = /^`([^`]+)`/.exec(cell);
  if (!code) return { error: `cannot read "${cell}" (expected \`value\` or none)` };
  try {
    return { value: new Function(`return (${code[1]});`)() };
  } catch (error) {
    return { error: `\`${code[1]}\` is not a JS expression: ${error.message}` };
  }
}

let problems = 0;
let tables = 0;
let cellsChecked = 0;
const report = (where, message) => {
  problems += 1;
  console.error(`${where}: ${message}`);
};

for (const file of markdownFiles()) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  lines.forEach((line, index) => {
    const marker = /^<!--\s*defaults:\s*(.+?)\s*-->\s*$/.exec(line);
    if (!marker) return;
    const words = marker[1].split(/\s+/);
    const partial = words.at(-1) === 'partial';
    const names = partial ? words.slice(0, -1) : words;
    const unknown = names.filter((name) => !(name in sources));
    if (unknown.length > 0) {
      report(`${file}:${index + 1}`, `unknown source(s) ${unknown.join(', ')}`);
      return;
    }
    let start = index + 1;
    while (lines[start]?.trim() === '') start += 1;
    if (!lines[start]?.trim().startsWith('|')) {
      report(`${file}:${index + 1}`, 'a defaults marker must be followed by a table');
      return;
    }
    tables += 1;
    const seen = new Set();
    for (let at = start + 2; lines[at]?.trim().startsWith('|'); at += 1) {
      const where = `${file}:${at + 1}`;
      const cells = cellsOf(lines[at]);
      const field = /^`([\w.]+)`$/.exec(cells[0] ?? '')?.[1];
      if (field === undefined) {
        report(where, `first cell must be a backticked option name, got "${cells[0]}"`);
        continue;
      }
      seen.add(field);
      let first;
      names.forEach((name, column) => {
        const source = sources[name];
        if (source.fields && !source.fields.has(field.split('.')[0])) {
          report(where, `${field} is not an option of ${name}`);
          return;
        }
        const cell = cells[column + 1] ?? '';
        const doc = cell === '' && column > 0 ? first : documented(cell);
        if (column === 0) first = doc;
        if (doc === undefined || doc.error) {
          report(where, `${field} (${name}): ${doc?.error ?? 'the first source column is empty'}`);
          return;
        }
        const actual = lookup(source.values, field);
        cellsChecked += 1;
        if (!isDeepStrictEqual(doc.value, actual)) {
          report(
            where,
            `${field}: documented ${JSON.stringify(doc.value)} for ${name}, the code has ${JSON.stringify(actual)}`,
          );
        }
      });
    }
    for (const name of partial ? [] : names) {
      const source = sources[name];
      const expected = source.fields ? [...source.fields] : leafPaths(source.values);
      for (const field of expected) {
        if (!seen.has(field)) report(`${file}:${index + 1}`, `${name}: ${field} is not documented`);
      }
    }
  });
}

if (problems > 0) {
  console.error(`doc defaults: ${problems} problem(s)`);
  process.exit(1);
}
console.log(`doc defaults: ${tables} tables, ${cellsChecked} values match the code`);
