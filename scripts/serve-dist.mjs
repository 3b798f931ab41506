#!/usr/bin/env node
// A static file server for the built app, as a CDN would serve it: files under a base path, and
// index.html for any other path below it (the app routes in the browser). Binds 127.0.0.1 only.
//
//   node scripts/serve-dist.mjs --dir dist --port 8080 [--base /punctaj/] [--config config.json]
//
// --config serves that file as <base>config.json (tests point each app at their own backend).
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

export function startServer({ dir, port = 0, base = '/', configFile = null, configJson = null }) {
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
      res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'cache-control': cache });
      res.end(req.method === 'HEAD' ? undefined : await readFile(file));
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
      if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
      return pairs;
    }, []),
  );
  const server = await startServer({
    dir: args.dir ?? 'dist',
    port: Number(args.port ?? 8080),
    base: args.base ?? '/',
    configFile: args.config ?? null,
  });
  const { port } = server.address();
  console.log(`serving ${args.dir ?? 'dist'} at http://127.0.0.1:${port}${args.base ?? '/'}`);
}
