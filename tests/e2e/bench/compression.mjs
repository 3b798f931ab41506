// Archive compression on the LARGE dataset (run.mjs section 11). The app stores a reset archive
// whose JSON is longer than COMPRESS_ABOVE_BYTES gzip-compressed, under its key plus `.gz` as
// `application/gzip` (punctaj_core::archive, src/sync/archive_file.rs); smaller ones stay plain.
//
// 1. Bytes stored: the bucket's 500 objects as dataset.mjs writes them (plain JSON), under the
//    app's rule, and every archive gzip, compressed here by Node's zlib at level 6 (zlib's default,
//    the level of the browsers' CompressionStream).
// 2. Bytes downloaded and time: COLD downloads by the app (run.mjs's own: fresh context, viewer)
//    on the plain objects, measured here (section 4's runs, made earlier on a quieter machine, are
//    kept for reference), then the same once the bucket follows the app's rule, converted in one
//    transaction: each archive above the threshold replaced by its `.json.gz` object (same times
//    and owner, eTag = quoted md5 and size of the stored bytes, as dataset.mjs computes them), the
//    plain one deleted, public.archives rows pointing at it moved. Every converted run is checked
//    in the page: the archive page lists all 500 archives and none with a problem, else the phase
//    fails (reported as not measured).
//
// The bucket is left converted: run.mjs runs this after every phase that uses the LARGE dataset.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { byTestId } from '../lib/harness.mjs';
import { datasetCountsSql } from './dataset.mjs';
import { bytes, heading, median, ms, ratio, table } from './stats.mjs';

const gzip = promisify(gzipCallback);
/** punctaj_core::archive::COMPRESS_ABOVE_BYTES: JSON longer than this is stored gzip. */
export const COMPRESS_ABOVE_BYTES = 8192;
const GZIP_LEVEL = 6;
const FETCH_PARALLEL = 8;
const VERIFY_TIMEOUT_MS = 30_000;

const md5 = (buffer) => createHash('md5').update(buffer).digest('hex');
const sum = (list, pick) => list.reduce((n, x) => n + pick(x), 0);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;

/** The bucket's archives: key, stored size and eTag (SQL), and their bytes (Storage, service role). */
async function readArchives(backend) {
  const listed = JSON.parse(
    await backend.sql(
      "select coalesce(json_agg(json_build_object('name', name, 'size', (metadata ->> 'size')::bigint, 'eTag', metadata ->> 'eTag', 'mimetype', metadata ->> 'mimetype') order by name), '[]') from storage.objects where bucket_id = 'arhiva'",
    ),
  );
  const out = new Array(listed.length);
  let next = 0;
  const worker = async () => {
    while (next < listed.length) {
      const i = next++;
      const o = listed[i];
      const path = o.name.split('/').map(encodeURIComponent).join('/');
      const response = await fetch(`${backend.url}/storage/v1/object/arhiva/${path}`, {
        headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.serviceKey}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`GET ${o.name}: ${response.status}`);
      const content = Buffer.from(await response.arrayBuffer());
      if (content.length !== o.size || `"${md5(content)}"` !== o.eTag) {
        throw new Error(`${o.name}: ${content.length} B served, md5 ${md5(content)}; its metadata says ${o.size} B, eTag ${o.eTag}`);
      }
      out[i] = { ...o, content };
    }
  };
  await Promise.all(Array.from({ length: FETCH_PARALLEL }, worker));
  return out;
}

/**
 * One transaction replacing each plain object in `converted` ({ name, gz }) by `name.gz`: a new
 * row with the old one's owner, times and cache control, eTag/size/mimetype/contentLength of the
 * gzip bytes (computed in SQL, as dataset.mjs does), its bytes in local_backend.object_blobs; the
 * plain row (and its blob, on delete cascade) goes. The bytes travel in a file read by psql's \i:
 * several MiB would not fit in one `psql -c` argument.
 */
async function convertBucket(backend, converted) {
  const values = converted.map((c) => `(${quote(c.name)}, decode('${c.gz.toString('base64')}', 'base64'))`).join(',\n');
  const sql = `
begin;
create temporary table bench_gz (name text primary key, content bytea not null) on commit drop;
insert into bench_gz (name, content) values
${values};
with plain as (
  select o.*, g.content as gz from storage.objects o join bench_gz g on g.name = o.name
   where o.bucket_id = 'arhiva'
), inserted as (
  insert into storage.objects (id, bucket_id, name, owner, owner_id, created_at, updated_at,
                               last_accessed_at, metadata, version)
  select gen_random_uuid(), p.bucket_id, p.name || '.gz', p.owner, p.owner_id, p.created_at, p.updated_at,
         p.last_accessed_at,
         p.metadata || jsonb_build_object(
           'eTag', '"' || md5(p.gz) || '"',
           'size', octet_length(p.gz),
           'mimetype', 'application/gzip',
           'contentLength', octet_length(p.gz)),
         gen_random_uuid()::text
    from plain p
  returning id, name
)
insert into local_backend.object_blobs (object_id, content)
select i.id, g.content from inserted i join bench_gz g on g.name || '.gz' = i.name;
update public.archives a set object_path = a.object_path || '.gz'
  from bench_gz g where a.object_path = g.name;
delete from storage.objects o using bench_gz g where o.bucket_id = 'arhiva' and o.name = g.name;
commit;
`;
  const dir = await mkdtemp(join(os.tmpdir(), 'punctaj-bench-compression-'));
  try {
    const file = join(dir, 'convert.sql');
    await writeFile(file, sql);
    await backend.sql(`\\i ${file}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** In the page of a finished download: the archive page lists `expected` archives, none with a problem. */
async function verifyArchivePage(page, expected) {
  await byTestId(page, 'nav-archive').click({ timeout: 10_000 });
  const listed = await page
    .waitForFunction(
      (n) => {
        const items = document.querySelectorAll('[data-testid="archive-item"]').length;
        return items >= n ? items : null;
      },
      expected,
      { timeout: VERIFY_TIMEOUT_MS, polling: 100 },
    )
    .then((handle) => handle.jsonValue())
    .catch(async () => page.locator('[data-testid="archive-item"]').count());
  const problems = await page.locator('[data-testid="archive-problem"]').evaluateAll((els) => els.map((el) => ({
    path: el.closest('[data-testid="archive-item"]')?.dataset.path,
    text: el.textContent.trim(),
  })));
  if (listed !== expected || problems.length) {
    throw new Error(
      `the archive page lists ${listed} archives (expected ${expected}), ${problems.length} with a problem` +
        (problems.length ? `: ${problems.slice(0, 3).map((p) => `${p.path}: ${p.text}`).join('; ')}` : ''),
    );
  }
  return { listed, problems: 0 };
}

/**
 * Every BROWSER_GZIP_SAMPLE-th archive compressed by the page's CompressionStream('gzip') (what the
 * app uses on a reset) beside Node's zlib at GZIP_LEVEL: the sizes stored above stand for the app's.
 */
const BROWSER_GZIP_SAMPLE = 10;
async function browserGzipSizes(page, archives) {
  const sample = archives.filter((_, i) => i % BROWSER_GZIP_SAMPLE === 0);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('CompressionStream: no result within 20 s')), 20_000);
  });
  const sizes = await Promise.race([timeout, page.evaluate(async (texts) => {
    const out = [];
    for (const text of texts) {
      const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
      out.push((await new Response(stream).arrayBuffer()).byteLength);
    }
    return out;
  }, sample.map((a) => a.content.toString('utf8')))]).finally(() => clearTimeout(timer));
  return {
    archives: sample.length,
    compressionStreamBytes: sizes.reduce((n, x) => n + x, 0),
    nodeZlibBytes: sum(sample, (a) => a.gz.length),
  };
}

const runSummary = ({ timing, net }, extra = {}) => ({
  downloadMs: timing.downloadMs,
  wallMs: timing.wallMs,
  archiveRequests: net.byKind['archive GET']?.requests ?? 0,
  archiveWireBytes: net.byKind['archive GET']?.wireBytes ?? NaN,
  archiveBodyBytes: net.byKind['archive GET']?.bodyBytes ?? NaN,
  receivedWireBytes: net.receivedWireBytes,
  receivedBodyBytes: net.receivedBodyBytes,
  // From the app's Resource Timing inside its measure (run.mjs phasesOf): first archive GET start
  // → last end, and from the last response to the end of the measure.
  archiveSpanMs: timing.phases?.kinds?.['archive GET']?.spanMs ?? NaN,
  tailMs: timing.phases?.tailMs ?? NaN,
  requests: net.requests,
  preflights: net.preflights,
  ...extra,
});

function medians(runs) {
  const m = (key) => median(runs.map((r) => r[key]));
  return {
    runs: runs.length,
    downloadMs: m('downloadMs'),
    archiveSpanMs: m('archiveSpanMs'),
    tailMs: m('tailMs'),
    archiveWireBytes: m('archiveWireBytes'),
    archiveBodyBytes: m('archiveBodyBytes'),
    receivedWireBytes: m('receivedWireBytes'),
  };
}

/**
 * The whole measurement. `plainCold`: section 4's COLD runs on the plain dataset (for reference);
 * `runs` COLD downloads each on the plain and the converted bucket; `newClient`/`coldDownloadIn`:
 * run.mjs's fresh client and COLD download.
 */
export async function compressionBench({ backend, counts, plainCold, runs, newClient, coldDownloadIn, say = () => {} }) {
  // ------------------------------------------------------------ 1. bytes stored
  const archives = await readArchives(backend);
  if (archives.length !== counts.archives) throw new Error(`the bucket holds ${archives.length} objects, expected ${counts.archives}`);
  const notPlain = archives.filter((a) => a.name.endsWith('.gz') || a.mimetype !== 'application/json');
  if (notPlain.length) throw new Error(`${notPlain.length} objects are not plain JSON already (${notPlain[0].name}, ${notPlain[0].mimetype})`);
  for (const a of archives) a.gz = await gzip(a.content, { level: GZIP_LEVEL });
  const ruled = archives.filter((a) => a.content.length > COMPRESS_ABOVE_BYTES);
  const sizes = archives.map((a) => a.content.length);
  const stored = {
    archives: archives.length,
    threshold: COMPRESS_ABOVE_BYTES,
    gzipLevel: GZIP_LEVEL,
    compressedByRule: ruled.length,
    plainBytes: sum(archives, (a) => a.content.length),
    appRuleBytes: sum(archives, (a) => (a.content.length > COMPRESS_ABOVE_BYTES ? a.gz.length : a.content.length)),
    allGzipBytes: sum(archives, (a) => a.gz.length),
    jsonSize: { min: Math.min(...sizes), median: median(sizes), max: Math.max(...sizes) },
    gzipSize: { min: Math.min(...archives.map((a) => a.gz.length)), median: median(archives.map((a) => a.gz.length)), max: Math.max(...archives.map((a) => a.gz.length)) },
  };
  say(
    `compression: ${archives.length} archives, ${bytes(stored.plainBytes)} plain → ${bytes(stored.appRuleBytes)} under the app's rule ` +
      `(${ruled.length} compressed), ${bytes(stored.allGzipBytes)} all gzip`,
  );

  // ------------------------------------------------------------ 2a. COLD downloads, plain objects
  // Measured here, just before the conversion, so that both series run on the same machine state:
  // section 4's COLD runs come first in the bench, before the live and fan-out phases, and are
  // reported beside them for reference only.
  const section4 = plainCold.map((r) => runSummary({ timing: r, net: r.net }, { run: r.run }));
  const plain = [];
  for (let run = 1; run <= runs; run += 1) {
    const client = await newClient();
    try {
      const r = await coldDownloadIn(client, `plain cold run ${run}`);
      plain.push(runSummary(r, { run }));
      say(`compression: plain cold ${run}/${runs}: ${ms(r.timing.downloadMs, 0)}, archives ${bytes(r.net.byKind['archive GET']?.wireBytes)} on the wire, ${bytes(r.net.receivedWireBytes)} in all`);
    } finally {
      await client.context.close().catch(() => {});
    }
  }

  // ------------------------------------------------------------ 2b. the bucket under the app's rule
  const started = performance.now();
  await convertBucket(backend, ruled);
  const convertMs = performance.now() - started;
  const after = JSON.parse(await backend.sql(datasetCountsSql));
  const gzObjects = Number(
    await backend.sql("select count(*) from storage.objects where bucket_id = 'arhiva' and name like '%.json.gz' and metadata ->> 'mimetype' = 'application/gzip'"),
  );
  const storedAfter = Number(
    await backend.sql("select coalesce(sum((metadata ->> 'size')::bigint), 0) from storage.objects where bucket_id = 'arhiva'"),
  );
  if (after.archives !== counts.archives || !after.etags_ok || gzObjects !== ruled.length || after.archive_bytes !== stored.appRuleBytes || storedAfter !== stored.appRuleBytes) {
    throw new Error(
      `after the conversion: ${after.archives} objects, eTags ${after.etags_ok ? 'ok' : 'WRONG'}, ${gzObjects} .json.gz ` +
        `(expected ${ruled.length}), ${after.archive_bytes} B of blobs / ${storedAfter} B in metadata (expected ${stored.appRuleBytes})`,
    );
  }
  say(`compression: bucket converted in ${ms(convertMs, 0)} (${gzObjects} .json.gz objects, ${bytes(after.archive_bytes)}; cloud version ${after.version})`);

  const compressed = [];
  let browserGzip = null;
  for (let run = 1; run <= runs; run += 1) {
    const client = await newClient();
    try {
      const r = await coldDownloadIn(client, `compressed cold run ${run}`);
      const check = await verifyArchivePage(client.page, counts.archives);
      if (client.errors.length) throw new Error(`page errors: ${client.errors.slice(0, 2).join('; ')}`);
      if (run === runs) {
        // A cross-check of the level, not a measurement the section needs: its failure is said only.
        browserGzip = await browserGzipSizes(client.page, archives).catch((error) => {
          say(`compression: CompressionStream cross-check failed: ${String(error?.message ?? error).slice(0, 200)}`);
          return null;
        });
      }
      compressed.push(runSummary(r, { run, ...check }));
      say(
        `compression: compressed cold ${run}/${runs}: ${ms(r.timing.downloadMs, 0)}, archives ${bytes(r.net.byKind['archive GET']?.wireBytes)} on the wire, ` +
          `${bytes(r.net.receivedWireBytes)} in all; archive page: ${check.listed} listed, no problem`,
      );
    } finally {
      await client.context.close().catch(() => {});
    }
  }

  return {
    stored,
    browserGzip,
    convertMs,
    versionAfterConversion: after.version,
    download: {
      plain,
      compressed,
      section4Cold: section4,
      medians: { plain: medians(plain), compressed: medians(compressed), section4Cold: section4.length ? medians(section4) : null },
    },
  };
}

export function printCompression(c, notMeasured) {
  console.log(heading('11. Archive compression (the LARGE dataset\'s archives, gzip above 8 KiB as .json.gz)'));
  if (!c) {
    console.log(notMeasured);
    return;
  }
  const s = c.stored;
  const p = c.download.medians.plain;
  const z = c.download.medians.compressed;
  const r = (a, b) => ratio(a / b);
  console.log(
    table(
      ['what', 'plain', 'compressed (app rule)', 'ratio'],
      [
        [`bytes stored (${s.archives} objects; ${s.compressedByRule} above ${s.threshold} B compressed)`, bytes(s.plainBytes), bytes(s.appRuleBytes), r(s.plainBytes, s.appRuleBytes)],
        [`archive GETs on the wire (COLD, median of ${p.runs} / ${z.runs})`, bytes(p.archiveWireBytes), bytes(z.archiveWireBytes), r(p.archiveWireBytes, z.archiveWireBytes)],
        ['  of which bodies', bytes(p.archiveBodyBytes), bytes(z.archiveBodyBytes), r(p.archiveBodyBytes, z.archiveBodyBytes)],
        ['everything received (COLD download, wire)', bytes(p.receivedWireBytes), bytes(z.receivedWireBytes), r(p.receivedWireBytes, z.receivedWireBytes)],
        ['download time (COLD, "punctaj:download")', ms(p.downloadMs, 0), ms(z.downloadMs, 0), r(p.downloadMs, z.downloadMs)],
        ['  archive GETs, first start → last end', ms(p.archiveSpanMs, 0), ms(z.archiveSpanMs, 0), r(p.archiveSpanMs, z.archiveSpanMs)],
        ['  after the last response (verify, index, IndexedDB)', ms(p.tailMs, 0), ms(z.tailMs, 0), r(p.tailMs, z.tailMs)],
      ],
    ),
  );
  console.log(`every archive gzip (reference): ${bytes(s.allGzipBytes)} stored, ${r(s.plainBytes, s.allGzipBytes)} smaller than plain`);
  const g = c.browserGzip;
  if (g) {
    console.log(
      `Chromium's CompressionStream('gzip') on ${g.archives} of them: ${g.compressionStreamBytes} B, Node zlib level ${s.gzipLevel}: ${g.nodeZlibBytes} B ` +
        `(${(((g.compressionStreamBytes - g.nodeZlibBytes) / g.nodeZlibBytes) * 100).toFixed(2)} %)`,
    );
  }
  console.log(
    `archive JSON ${s.jsonSize.min}–${s.jsonSize.max} B (median ${s.jsonSize.median}), gzip level ${s.gzipLevel} (Node zlib) ${s.gzipSize.min}–${s.gzipSize.max} B; ` +
      `${c.download.plain.length} COLD runs on the plain objects, then ${c.download.compressed.length} after converting the bucket in one transaction ` +
      `(${ms(c.convertMs, 0)}), each of those checked in the archive page (${s.archives} listed, no problem). ratio = plain ÷ compressed. ` +
      `samples (ms): plain ${c.download.plain.map((x) => Math.round(x.downloadMs)).join(' / ')}, compressed ${c.download.compressed.map((x) => Math.round(x.downloadMs)).join(' / ')}`,
  );
  const s4 = c.download.medians.section4Cold;
  if (s4) console.log(`section 4's COLD runs (plain, at the start of the bench), for reference: median ${ms(s4.downloadMs, 0)}, archives ${bytes(s4.archiveWireBytes)} on the wire, ${bytes(s4.receivedWireBytes)} in all`);
}

/** What the numbers say is wrong. */
export function compressionFindings(c) {
  if (!c) return [];
  const out = [];
  const { plain, compressed } = c.download.medians;
  if (compressed.archiveWireBytes >= plain.archiveWireBytes) {
    out.push(`compressed archives did not download in fewer bytes (${bytes(compressed.archiveWireBytes)} against ${bytes(plain.archiveWireBytes)} plain)`);
  }
  if (compressed.downloadMs > 1.25 * plain.downloadMs) {
    out.push(`the COLD download of the compressed archives took ${ms(compressed.downloadMs, 0)}, over 1.25× the plain one (${ms(plain.downloadMs, 0)})`);
  }
  return out;
}
