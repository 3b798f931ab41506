// The NAIVE SEQUENTIAL download, the yardstick for the app's: the same work done the simplest way,
// in plain JS in the page (page.evaluate). The version row, then cities, institutions and employees
// with the app's select lists (src/api/snapshot.rs) paged by 1000, then the bucket listed folder by
// folder (100 per list request, as src/api/archives.rs), then every archive downloaded ONE AT A
// TIME and parsed, with no cache at all (`cache: 'no-store'`). No hash check, no IndexedDB.
// Timed with performance.now(); returns what it did so the caller can check it did everything.

export async function naiveDownload({ url, anonKey, token }) {
  const started = performance.now();
  const auth = { apikey: anonKey, authorization: `Bearer ${token}` };
  let requests = 0;
  let bodyBytes = 0;
  const send = async (path, init = {}) => {
    const response = await fetch(url + path, { cache: 'no-store', ...init, headers: { ...auth, ...(init.headers ?? {}) } });
    requests += 1;
    const buffer = await response.arrayBuffer();
    bodyBytes += buffer.byteLength;
    const text = new TextDecoder().decode(buffer);
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return text;
  };

  const meta = JSON.parse(
    await send('/rest/v1/sync_metadata?select=version,data_hash,last_modified_by,last_modified_at,last_change&sync_key=eq.global_version', {
      headers: { accept: 'application/vnd.pgrst.object+json' },
    }),
  );

  const tables = {
    cities: 'id,name,created_at,updated_at,deleted_at',
    institutions: 'id,city_id,name,ranks,columns,last_points_change_at,revision,created_at,updated_at,deleted_at',
    employees: 'id,institution_id,rank,punctaj,ultima_mod,fields,created_at,updated_at,deleted_at',
  };
  const rows = {};
  for (const [table, columns] of Object.entries(tables)) {
    rows[table] = [];
    for (let offset = 0; offset < 1_000_000; offset += 1000) {
      const page = JSON.parse(
        await send(`/rest/v1/${table}?select=${columns}&deleted_at=is.null&order=id.asc&offset=${offset}&limit=1000`, {
          headers: { accept: 'application/json' },
        }),
      );
      rows[table].push(...page);
      if (page.length < 1000) break;
    }
  }
  const tablesDone = performance.now();

  const keys = [];
  const folders = [''];
  for (let guard = 0; folders.length > 0 && guard < 10_000; guard += 1) {
    const prefix = folders.shift();
    for (let offset = 0; offset < 1_000_000; offset += 100) {
      const entries = JSON.parse(
        await send('/storage/v1/object/list/arhiva', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ limit: 100, offset, sortBy: { column: 'name', order: 'asc' }, prefix }),
        }),
      );
      for (const entry of entries) {
        const key = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.id === null || entry.id === undefined) folders.push(key);
        else keys.push(key);
      }
      if (entries.length < 100) break;
    }
  }
  const listDone = performance.now();

  let archiveRows = 0;
  for (const key of keys) {
    const text = await send(`/storage/v1/object/arhiva/${key.split('/').map(encodeURIComponent).join('/')}`);
    archiveRows += JSON.parse(text).rows.length;
  }
  const finished = performance.now();
  return {
    ms: finished - started,
    tablesMs: tablesDone - started,
    listMs: listDone - tablesDone,
    archivesMs: finished - listDone,
    startTime: started,
    endTime: finished,
    version: Number(meta.version),
    cities: rows.cities.length,
    institutions: rows.institutions.length,
    employees: rows.employees.length,
    archives: keys.length,
    archiveRows,
    requests,
    bodyBytes,
  };
}
