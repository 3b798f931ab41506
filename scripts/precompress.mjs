#!/usr/bin/env node
// Writes precompressed copies next to every text asset of a built app, for static hosts that
// serve them as they are (nginx gzip_static/brotli_static, Caddy `precompressed`, see README):
//
//   node scripts/precompress.mjs [dir]          (default dist; `make dist` runs it)
//
// For each .wasm .js .mjs .css .html .json .svg .txt .xml .webmanifest file: <file>.br (brotli
// quality 11, window 2^24, the size hint, text or generic mode) and <file>.gz (gzip -9, memLevel 9),
// both through Node's zlib (no other tool), each only when smaller than the original; the
// originals stay. The copies get the original's modification time. config.json is left alone: it
// is written per deployment, and a stale config.json.gz beside an edited config.json would win.
// Prints each file and the totals.
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const PRECOMPRESSED_TYPES = ['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg', '.txt', '.xml', '.webmanifest'];
const SKIP = new Set(['config.json']);

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

export function brotli(content, { text = true } = {}) {
  return brotliCompressSync(content, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
    },
  });
}

export function gzip(content) {
  return gzipSync(content, { level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
}

/** Precompresses every text asset under `dir`; returns [{ path, raw, gzip, br }] (null = not written). */
export async function precompress(dir) {
  const root = resolve(dir);
  const done = [];
  for await (const path of walk(root)) {
    const ext = extname(path).toLowerCase();
    const name = relative(root, path);
    if (!PRECOMPRESSED_TYPES.includes(ext) || SKIP.has(name)) continue;
    const content = await readFile(path);
    const { mtimeMs } = await stat(path);
    const entry = { path: name, raw: content.length, gzip: null, br: null };
    for (const [suffix, compressed] of [
      ['.br', brotli(content, { text: ext !== '.wasm' })],
      ['.gz', gzip(content)],
    ]) {
      const target = `${path}${suffix}`;
      if (compressed.length < content.length) {
        await writeFile(target, compressed);
        await utimes(target, mtimeMs / 1000, mtimeMs / 1000);
        entry[suffix === '.br' ? 'br' : 'gzip'] = compressed.length;
      } else {
        await rm(target, { force: true }); // a copy from an earlier run would be stale
      }
    }
    done.push(entry);
  }
  return done.sort((a, b) => b.raw - a.raw);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const dir = process.argv[2] ?? 'dist';
  const started = Date.now();
  const files = await precompress(dir);
  const kib = (n) => (n === null ? '—' : `${(n / 1024).toFixed(1)} KiB`);
  const width = Math.max(4, ...files.map((f) => f.path.length));
  console.log(`precompressed ${files.length} files in ${dir}/ (brotli 11, gzip -9) in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  console.log(`  ${'file'.padEnd(width)}  ${'raw'.padStart(11)}  ${'gzip'.padStart(11)}  ${'brotli'.padStart(11)}`);
  for (const f of files) console.log(`  ${f.path.padEnd(width)}  ${kib(f.raw).padStart(11)}  ${kib(f.gzip).padStart(11)}  ${kib(f.br).padStart(11)}`);
  const sum = (key) => files.reduce((n, f) => n + (f[key] ?? f.raw), 0);
  console.log(`  ${'total'.padEnd(width)}  ${kib(sum('raw')).padStart(11)}  ${kib(sum('gzip')).padStart(11)}  ${kib(sum('br')).padStart(11)}`);
}
