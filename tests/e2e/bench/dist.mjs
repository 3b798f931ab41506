// The size of the built app: raw and gzip (zlib level 9) bytes, per file type and in total.
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

export async function distSizes(dir) {
  const files = [];
  for await (const path of walk(dir)) {
    const content = await readFile(path);
    const ext = extname(path).slice(1).toLowerCase();
    const type = ['wasm', 'js', 'css', 'html'].includes(ext) ? ext : 'other';
    files.push({
      path: relative(dir, path),
      type,
      raw: content.length,
      gzip: gzipSync(content, { level: constants.Z_BEST_COMPRESSION }).length,
    });
  }
  files.sort((a, b) => b.raw - a.raw);
  const byType = {};
  for (const type of ['wasm', 'js', 'css', 'html', 'other']) {
    const list = files.filter((f) => f.type === type);
    byType[type] = {
      files: list.length,
      raw: list.reduce((n, f) => n + f.raw, 0),
      gzip: list.reduce((n, f) => n + f.gzip, 0),
    };
  }
  const total = {
    files: files.length,
    raw: files.reduce((n, f) => n + f.raw, 0),
    gzip: files.reduce((n, f) => n + f.gzip, 0),
  };
  return { dir, files, byType, total };
}
