// The size of the built app: raw, gzip -9 and brotli 11 bytes (the settings of
// scripts/precompress.mjs, i.e. what `make dist` writes beside each file), per file, per file type
// and in total, and the payload the browser must download before the app starts (wasm + JS + CSS)
// against the goal of issue 12 (≤ 250 KB gzip, aiming at 200 KB; KB = 1000 B here).
// The precompressed copies themselves (.br, .gz) are not counted.
//
// Run by run.mjs (`make bench`), or alone: node tests/e2e/bench/dist.mjs [dir] (default target/e2e-dist).
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotli, gzip } from '../../../scripts/precompress.mjs';
import { bytes, heading, table } from './stats.mjs';

export const GOAL_GZIP_BYTES = 250_000;
export const AIM_GZIP_BYTES = 200_000;
const PAYLOAD_TYPES = ['wasm', 'js', 'css'];
const TYPES = ['wasm', 'js', 'css', 'html', 'other'];

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
const totals = (list) => ({ files: list.length, raw: sum(list, 'raw'), gzip: sum(list, 'gzip'), br: sum(list, 'br') });

export async function distSizes(dir) {
  const files = [];
  for await (const path of walk(dir)) {
    if (/\.(br|gz)$/.test(path)) continue; // precompressed copies
    const content = await readFile(path);
    const ext = extname(path).slice(1).toLowerCase();
    const type = TYPES.includes(ext) ? ext : 'other';
    files.push({
      path: relative(dir, path),
      type,
      raw: content.length,
      gzip: gzip(content).length,
      br: brotli(content, { text: ext !== 'wasm' }).length,
    });
  }
  files.sort((a, b) => b.raw - a.raw);
  const byType = {};
  for (const type of TYPES) byType[type] = totals(files.filter((f) => f.type === type));
  const payload = totals(files.filter((f) => PAYLOAD_TYPES.includes(f.type)));
  const goal = {
    goalGzipBytes: GOAL_GZIP_BYTES,
    aimGzipBytes: AIM_GZIP_BYTES,
    met: payload.gzip <= GOAL_GZIP_BYTES,
    aimMet: payload.gzip <= AIM_GZIP_BYTES,
  };
  return { dir, files, byType, payload, total: totals(files), goal };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

/** The goal line: met / not met, with the numbers. */
export function distGoalLine(t) {
  const p = t.payload;
  const verdict = t.goal.met ? (t.goal.aimMet ? 'MET (and the 200 KB aim)' : 'MET (not yet the 200 KB aim)') : 'NOT MET';
  return (
    `goal: wasm + JS + CSS ≤ ${kb(t.goal.goalGzipBytes)} gzip (aim ${kb(t.goal.aimGzipBytes)}): ${verdict} — ` +
    `${kb(p.gzip)} gzip (${p.gzip} B, ${(p.gzip / t.goal.goalGzipBytes).toFixed(2)}× the goal), ${kb(p.br)} brotli, ${kb(p.raw)} raw`
  );
}

/** The report section (run.mjs calls it with its own numbering). */
export function printDist(t, notMeasured, title = '5. Size of the production build (trunk build --release)') {
  console.log(heading(title));
  if (!t) {
    console.log(notMeasured);
    return;
  }
  console.log(`${t.dir}: release build as \`make dist\` makes it (only the public URL differs); gzip -9 and brotli 11 as scripts/precompress.mjs writes them`);
  const types = TYPES.filter((k) => t.byType[k].files).map((k) => [k, t.byType[k].files, bytes(t.byType[k].raw), bytes(t.byType[k].gzip), bytes(t.byType[k].br)]);
  console.log(
    table(
      ['type', 'files', 'raw', 'gzip -9', 'brotli 11'],
      [
        ...types,
        ['wasm + JS + CSS (downloaded before the app starts)', t.payload.files, bytes(t.payload.raw), bytes(t.payload.gzip), bytes(t.payload.br)],
        ['total', t.total.files, bytes(t.total.raw), bytes(t.total.gzip), bytes(t.total.br)],
      ],
    ),
  );
  console.log(`\n${table(['file', 'raw', 'gzip -9', 'brotli 11'], t.files.map((f) => [f.path, bytes(f.raw), bytes(f.gzip), bytes(f.br)]))}`);
  console.log(`\n${distGoalLine(t)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = process.argv[2] ?? resolve(root, 'target/e2e-dist');
  printDist(await distSizes(dir), '');
}
