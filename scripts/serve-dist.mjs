#!/usr/bin/env node
// A static file server for the built app, as a CDN would serve it: files under a base path, and
// index.html for any other path below it (the app routes in the browser). Binds 127.0.0.1 only.
//
//   node scripts/serve-dist.mjs --dir dist --port 8080 [--base /punctaj/] [--config config.json] [--precompressed]
//
// --config serves that file as <base>config.json (tests point each app at their own backend).
// --precompressed serves <file>.br or <file>.gz (scripts/precompress.mjs, `make dist`) with its
// Content-Encoding when the request accepts it (brotli first), as nginx gzip_static/brotli_static
// or Caddy's `precompressed` do; a copy older than its original is ignored.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The encodings a request accepts (Accept-Encoding, q=0 excluded). */
function accepted(header) {
  const out = new Set();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) out.add(name);
  }
  return out;
}

/** The precompressed copy of `file` to send for `req`, if any: { path, size, encoding }. */
async function precompressedVariant(req, file, info) {
  const accepts = accepted(req.headers['accept-encoding']);
  for (const [encoding, suffix] of [['br', '.br'], ['gzip', '.gz']]) {
    if (!accepts.has(encoding) && !accepts.has('*')) continue;
    const copy = await stat(file + suffix).catch(() => null);
    // (1 ms of slack: a copy gets its original's time only to the microsecond)
    if (copy?.isFile() && copy.mtimeMs + 1 >= info.mtimeMs) return { path: file + suffix, size: copy.size, encoding };
  }
  return null;
}

export function startServer({ dir, port = 0, base = '/', configFile = null, configJson = null, precompressed = false }) {
  const root = resolve(dir);
  const prefix = base.endsWith('/') ? base : `${base}/`;

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      const path = decodeURIComponent(url.pathname);
      if (!path.startsWith(prefix) && path !== prefix.slice(0, -1)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const relative = path.slice(prefix.length);
      if (relative === 'config.json' && (configFile || configJson)) {
        const body = configJson ?? (await readFile(configFile));
        res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' }).end(body);
        return;
      }
      let file = normalize(join(root, relative));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      let info = await stat(file).catch(() => null);
      if (!info && extname(relative) !== '') {
        // A missing file (config.json, an asset) is a 404, as on a CDN.
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if (!info || info.isDirectory()) {
        // A path the app routes itself (or the base): serve the app.
        file = join(root, 'index.html');
        info = await stat(file);
      }
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const cache = file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600';
      const headers = { 'content-type': type, 'content-length': info.size, 'cache-control': cache };
      let body = file;
      if (precompressed) {
        const variant = await precompressedVariant(req, file, info);
        headers.vary = 'Accept-Encoding';
        if (variant) {
          Object.assign(headers, { 'content-encoding': variant.encoding, 'content-length': variant.size });
          body = variant.path;
        }
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : await readFile(body));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, arg, i, all) => {
      // --name value, or a flag alone (--precompressed)
      if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1] === undefined || all[i + 1].startsWith('--') ? true : all[i + 1]]);
      return pairs;
    }, []),
  );
  const server = await startServer({
    dir: args.dir ?? 'dist',
    port: Number(args.port ?? 8080),
    base: args.base ?? '/',
    configFile: args.config ?? null,
    precompressed: Boolean(args.precompressed),
  });
  const { port } = server.address();
  console.log(`serving ${args.dir ?? 'dist'} at http://127.0.0.1:${port}${args.base ?? '/'}${args.precompressed ? ' (precompressed .br/.gz when accepted)' : ''}`);
}
