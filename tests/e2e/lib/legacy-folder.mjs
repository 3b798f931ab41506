// Folders of the old desktop app (Punctaj Manager), written to disk for the import tests and the
// import benchmark, made from the REAL files in crates/core/tests/fixtures/legacy/ (varied where a
// test needs more than the repository has). The layout is the one the old app wrote
// (shared/reference/ORIGINAL_APP.md §2):
//
//   data/.encryption_key                                   a Fernet key (fake here): never read
//   data/<server>/<City>/<Institution>.json               the live tables
//   data/<server>/audit_logs.json                          {logs, last_sync, total_count}
//   data/<server>/users_permissions.json                   {users, user_count, last_sync, sync_status}
//   arhiva/<City>/<Inst>_<stamp>.json                      reset archives, before servers existed
//   arhiva/<server>/<City>/<Inst>_<stamp>[_AFTER_RESET].json   reset archives, server layout
//   arhiva/backup_<YYYYMMDD_HHMMSS>/…                      a verbatim copy of data/<server>/
//   arhiva/backups/backup_<ts>.zip                         the same, zipped
//
// Every writer returns, beside the folder, the figures the import preview must show, computed
// from what was generated (and, for the small folder, from the cloud it is compared with), so the
// tests assert against the generator rather than against literals copied from the app's output.
// Also here: a small zip writer (stored / deflate with node:zlib, crc32) and the hostile files
// (20 MB JSON, 100 000 nested arrays, markup in names, path traversal in zip entry names, zip
// bombs).
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The real files of the old app, as the repository keeps them for the parser tests. */
export const FIXTURES = resolve(ROOT, 'crates/core/tests/fixtures/legacy');
export const SERVER = 'balcaniwest';
export const OTHER_SERVER = 'badlands';
export const TIME_ZONE = 'Europe/Bucharest';
/** A fake Fernet key (44 characters, url-safe base64 of 32 bytes). It must never leave the disk. */
export const FAKE_KEY = 'UHVuY3Rhai1mYWtlLWtleS1ub3QtYS1zZWNyZXQtISE=';

const FIXED = new Set(['RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD']);
const FILES = {
  current: 'data_balcaniwest_BlackWater_Politie.json',
  v0: 'data_BlackWater_Politie_v0_at_68a7d9a.json',
  v1: 'data_BlackWater_Politie_v1_empty_ranks_at_00d18f7.json',
  preReset: 'arhiva_BlackWater_Politie_2026-02-18_18-13-47.json',
  afterReset: 'arhiva_BlackWater_Politie_2026-02-18_18-13-47_AFTER_RESET.json',
};

/** The real files: `{ current, v0, v1, preReset, afterReset }`, each `{ name, bytes, json }`. */
export async function realFiles() {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([key, name]) => {
      const path = join(FIXTURES, name);
      const bytes = await readFile(path).catch((error) => {
        throw new Error(`missing legacy fixture ${path} (copied from shared/reference/legacy/): ${error.message}`);
      });
      return [key, { name, bytes, json: JSON.parse(bytes.toString('utf8')) }];
    }),
  );
  return Object.fromEntries(entries);
}

// Names -------------------------------------------------------------------------------------------

// The transliteration of app.slug (sql/migrations/0003_sync.sql) and punctaj_core::archive::slug.
const SLUG_FROM = 'ăâàáäãåāĂÂÀÁÄÃÅĀîìíïīÎÌÍÏĪșşśšȘŞŚŠțţȚŢéèëêēěÉÈËÊĒĚóòöôõøőÓÒÖÔÕØŐúùüûűůÚÙÜÛŰŮçćčÇĆČñńÑŃýÿÝžźżŽŹŻďđĎĐłŁřŘğĞß';
const SLUG_TO = 'aaaaaaaaAAAAAAAAiiiiiIIIIIssssSSSSttTTeeeeeeEEEEEEoooooooOOOOOOOuuuuuuUUUUUUcccCCCnnNNyyYzzzZZZddDDlLrRgGs';
const SLUG_MAP = new Map([...SLUG_FROM].map((c, i) => [c, [...SLUG_TO][i]]));

/** The ASCII archive-folder form of a name, as the product computes it. */
export function slug(name) {
  const translated = [...name].map((c) => SLUG_MAP.get(c) ?? c).join('');
  const trimmed = translated.replace(/[^A-Za-z0-9-]+/g, '_').replace(/^_+|_+$/g, '');
  return trimmed || '_';
}

/** The product's rule for "the same name" (app.same_name): equal ignoring case, or equal slugs. */
export const sameName = (a, b) => a.toLowerCase() === b.toLowerCase() || slug(a) === slug(b);

/** A folder name of the old app back to a name: it wrote spaces as `_`. */
export const nameFromFolder = (folder) => folder.replaceAll('_', ' ');
const folderFromName = (name) => name.replaceAll(' ', '_');

// Time --------------------------------------------------------------------------------------------

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** `zone`'s offset from UTC at `date`, in ms (Europe/Bucharest: +2 h in winter, +3 h in summer). */
function zoneOffsetMs(date, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/** A wall-clock stamp of `zone` ("YYYY-MM-DD HH:MM:SS" or the file-name form) as a UTC Date. */
export function localToUtc(stamp, zone = TIME_ZONE) {
  const [y, mo, d, h, mi, s] = stamp.match(/\d+/g).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const first = wall - zoneOffsetMs(new Date(wall), zone);
  return new Date(wall - zoneOffsetMs(new Date(first), zone));
}

/** A UTC instant as the old app's local "YYYY-MM-DD HH:MM:SS" in `zone`. */
export function utcToLocal(date, zone = TIME_ZONE) {
  const shifted = new Date(date.getTime() + zoneOffsetMs(date, zone));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} ${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}`;
}

const fileStamp = (local) => local.replace(' ', '_').replaceAll(':', '-');
const keyStamp = (date) =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}_${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`;

/**
 * The Storage key of an imported archive (docs/database.md, "Import from the desktop app"): slug(city)/slug(institution)
 * _<the legacy local stamp converted to UTC>[_AFTER_RESET].json.
 */
export function archiveKey(city, institution, localStamp, afterReset, zone = TIME_ZONE) {
  return `${slug(city)}/${slug(institution)}_${keyStamp(localToUtc(localStamp, zone))}${afterReset ? '_AFTER_RESET' : ''}.json`;
}

// Files -------------------------------------------------------------------------------------------

const json = (value) => `${JSON.stringify(value, null, 4)}`;

/** Writes the files of a folder: `files` maps a relative path (with /) to a string or Buffer. */
async function writeTree(root, files) {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** Every file under `dir`, as relative paths with `/` (dotfiles included), sorted. */
export async function listFiles(dir) {
  const out = [];
  const walk = async (at) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/** The ladder of a real table as the object the old app wrote (`{"1": role, …}`). */
const ladderObject = (ranks) => Object.fromEntries(ranks.map((role, i) => [String(i + 1), role]));
const rankuriDesc = (ranks) => ranks.map((role, i) => `Rank ${i + 1}: ${role}`).join('\n');

/** An institution file in the shape the current old app writes (the real file's key order). */
function tableFile(template, { ranks, rows, lastUpdate, columns = template.columns, emptyRanks = false }) {
  return {
    columns,
    ranks: emptyRanks ? {} : ladderObject(ranks),
    rankuri_desc: emptyRanks ? '' : template.rankuri_desc ?? '',
    last_punctaj_update: lastUpdate,
    version: template.version ?? 2,
    last_synced: null,
    pending_sync: false,
    rows,
  };
}

/** The ladder a table's rows imply: from `ranks`, or rebuilt from the ROLE cells when empty. */
function ladderOf(file) {
  const fromFile = Object.entries(file.ranks ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, role]) => role);
  if (fromFile.length) return fromFile;
  const byRank = new Map(file.rows.map((row) => [Number(row.RANK), row.ROLE]));
  return [...byRank.keys()].sort((a, b) => a - b).map((rank) => byRank.get(rank));
}

const keyColumn = (columns) => (columns.includes('DISCORD') ? 'DISCORD' : 'NUME IC');
const customFields = (row, columns) =>
  Object.fromEntries(columns.filter((c) => !FIXED.has(c) && row[c] !== undefined).map((c) => [c, String(row[c])]));

/**
 * What the preview must say about one institution file compared with the cloud: per employee new
 * (no cloud member with its key), changed (score, rank or a custom field differs) or unchanged.
 */
function compareScope({ city, institution, path, file }, cloud) {
  const ranks = ladderOf(file);
  const match = cloud?.institutions?.find((i) => sameName(i.city, city) && sameName(i.institution, institution));
  const key = keyColumn(file.columns);
  const rows = file.rows.map((row) => ({
    key: String(row[key]),
    DISCORD: row.DISCORD === undefined ? undefined : String(row.DISCORD),
    'NUME IC': row['NUME IC'] === undefined ? undefined : String(row['NUME IC']),
    RANK: String(row.RANK),
    ROLE: ranks[Number(row.RANK) - 1],
    PUNCTAJ: String(Number(row.PUNCTAJ)),
    fields: customFields(row, file.columns),
  }));
  const scope = {
    path,
    city: match?.city ?? city,
    institution: match?.institution ?? institution,
    ranks,
    columns: file.columns,
    rows,
    new: 0,
    changed: 0,
    unchanged: 0,
  };
  for (const row of rows) {
    const theirs = match?.employees.find((e) => String(e.fields?.[key] ?? '') === row.key);
    if (!theirs) scope.new += 1;
    else if (theirs.punctaj !== Number(row.PUNCTAJ) || theirs.rank !== Number(row.RANK) || JSON.stringify(sortKeys(theirs.fields)) !== JSON.stringify(sortKeys(row.fields))) scope.changed += 1;
    else scope.unchanged += 1;
  }
  const structureChanged = match && (JSON.stringify(match.ranks) !== JSON.stringify(ranks) || JSON.stringify(match.columns) !== JSON.stringify(file.columns));
  scope.status = !match ? 'new' : scope.new || scope.changed || structureChanged ? 'changed' : 'unchanged';
  return scope;
}

const sortKeys = (object) => Object.fromEntries(Object.entries(object ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The figures of the whole preview, from the scopes and archives. */
function totals(scopes, archives) {
  return {
    newEmployees: scopes.reduce((n, s) => n + s.new, 0),
    changedEmployees: scopes.reduce((n, s) => n + s.changed, 0),
    unchangedEmployees: scopes.reduce((n, s) => n + s.unchanged, 0),
    newArchives: archives.filter((a) => !a.present).length,
    presentArchives: archives.filter((a) => a.present).length,
  };
}

/** The same preview after everything was imported: every scope unchanged, every archive present. */
function reimported(expected) {
  const scopes = expected.scopes.map((s) => ({ ...s, status: 'unchanged', new: 0, changed: 0, unchanged: s.rows.length }));
  const archives = expected.archives.map((a) => ({ ...a, present: true }));
  return { scopes, archives, totals: totals(scopes, archives) };
}

/** A pre-reset or AFTER_RESET archive in the legacy shape, from real rows. */
function archiveFile({ city, institution, local, resetBy, discordId, columns, rows, afterReset, pointsAsText }) {
  const out = rows.map((row) => {
    const copy = { ...row };
    if (afterReset) {
      copy.PUNCTAJ = 0;
      copy.ULTIMA_MOD = local;
    } else {
      copy.PUNCTAJ = pointsAsText ? String(Number(row.PUNCTAJ)) : Number(row.PUNCTAJ);
    }
    return copy;
  });
  const archive = {
    archived_at: local,
    institution,
    city,
    reset_by: resetBy,
    discord_id: discordId,
    columns: columns.includes('ULTIMA_MOD') ? columns : [...columns, 'ULTIMA_MOD'],
    rows: out,
    employee_count: out.length,
  };
  if (afterReset) Object.assign(archive, { status: 'after_reset', reset_timestamp: fileStamp(local) });
  return archive;
}

/** A few entries of the cloud audit log's local cache, in the real field set. */
function auditLogs(entries) {
  return json({ logs: entries, last_sync: '2026-03-07T12:30:02.118344', total_count: entries.length });
}

function smallAuditEntries() {
  const base = { discord_id: '703316932232872016', discord_username: 'parjanu', server_key: SERVER, city: 'BlackWater', institution: 'Politie' };
  return [
    { id: 812, ...base, action_type: 'edit_points', entity_name: 'nikolas', entity_id: '8', details: 'nikolas: 7 → 8 (Adăugare 1 puncte)', changes: '{"PUNCTAJ": {"old": 7, "new": 8}}', timestamp: '2026-02-14T21:28:19.394423+00:00', created_at: '2026-02-14T21:28:19.512301+00:00' },
    { id: 813, ...base, action_type: 'add_employee', entity_name: 'Flavius-ursu', entity_id: '16', details: 'Angajat nou: Flavius-ursu (RANK 2, Caporal)', changes: '', timestamp: '2026-02-15T09:02:11.004417+00:00', created_at: '2026-02-15T09:02:11.100219+00:00' },
    { id: 840, ...base, action_type: 'reset_punctaj_all', entity_name: 'Politie', entity_id: '1', details: 'Reset punctaj: 9 angajați arhivați', changes: '', timestamp: '2026-02-18T16:13:47.663187+00:00', created_at: '2026-02-18T16:13:47.901552+00:00' },
    { id: 851, ...base, action_type: 'edit', entity_name: 'Sintact', entity_id: '10', details: 'RANK: 5 → 6', changes: '{"RANK": {"old": "5", "new": "6"}}', timestamp: '2026-03-01T18:40:00.000000+00:00', created_at: '2026-03-01T18:40:00.215003+00:00' },
    { id: 866, discord_id: '412345678901234567', discord_username: 'sintact', server_key: SERVER, action_type: 'delete_employee', city: 'Saint_Denis', institution: 'Politie', entity_name: 'Ghost', entity_id: '31', details: 'Angajat șters: Ghost', changes: '', timestamp: '2026-03-05T20:11:09.310000+00:00', created_at: '2026-03-05T20:11:09.442871+00:00' },
  ];
}

const ALL_INSTITUTION_PERMISSIONS = ['can_view', 'can_edit', 'can_delete', 'can_add_employee', 'can_delete_employee', 'can_add_score', 'can_reset_scores', 'can_deduct_scores'];
const institutionPermissions = (granted) => Object.fromEntries(ALL_INSTITUTION_PERMISSIONS.map((p) => [p, granted.includes(p)]));
const GLOBAL_PERMISSIONS = ['can_add_cities', 'can_edit_cities', 'can_delete_cities', 'can_see_admin_button', 'can_manage_permissions', 'can_view_logs'];

function userEntry({ discordId, username, superuser = false, admin = false, global = [], institutions = {}, cities = {} }) {
  return {
    discord_id: discordId,
    username,
    is_superuser: superuser,
    is_admin: admin,
    permissions: {
      global: Object.fromEntries(GLOBAL_PERMISSIONS.map((p) => [p, global.includes(p)])),
      institutions: Object.fromEntries(
        Object.entries(institutions).map(([city, byInstitution]) => [
          city,
          Object.fromEntries(Object.entries(byInstitution).map(([inst, granted]) => [inst, institutionPermissions(granted)])),
        ]),
      ),
      cities,
    },
  };
}

function usersPermissions(users) {
  return json({
    users: Object.fromEntries(users.map((u) => [u.discord_id, u])),
    user_count: users.length,
    last_sync: '2026-03-07T12:30:01.774209',
    sync_status: 'synced',
  });
}

function smallUsers() {
  return [
    userEntry({ discordId: '703316932232872016', username: 'parjanu', superuser: true, admin: true, global: GLOBAL_PERMISSIONS, institutions: { BlackWater: { Politie: ALL_INSTITUTION_PERMISSIONS } }, cities: { BlackWater: { can_add_institutions: true, can_edit_institutions: true, can_delete_institutions: true } } }),
    userEntry({ discordId: '412345678901234567', username: 'sintact', institutions: { BlackWater: { Politie: ['can_view', 'can_edit', 'can_add_employee', 'can_delete_employee', 'can_add_score', 'can_reset_scores', 'can_deduct_scores'] } } }),
    userEntry({ discordId: '523456789012345678', username: 'gustavo', institutions: { Saint_Denis: { Politie: ['can_view', 'can_add_score', 'can_deduct_scores'] } } }),
    userEntry({ discordId: '634567890123456789', username: 'vLp', institutions: { BlackWater: { Politie: ['can_view'] } } }),
  ];
}

// The small folder (the end-to-end test) ------------------------------------------------------------

/** The institution name that is hostile but valid (no "/": it is a file name). */
export const HOSTILE_INSTITUTION = 'Poliție "Rutieră" <img src=x onerror=alert(1)>';
const NEW_CITY = 'Rhodes';

/**
 * The small folder of a community on two servers (`balcaniwest` is the one to import), compared
 * with `cloud` (see cloudSnapshotSql):
 * - data/balcaniwest/BlackWater/Politie.json: the real table, two scores raised, two members added
 *   (from the real archive), the rest as the cloud has them (ISO ULTIMA_MOD: rows the old app
 *   loaded from the cloud) — "changed";
 * - data/balcaniwest/Saint_Denis/Politie.json: the cloud's Saint Denis/Politie as the old app
 *   would hold it after loading it (ids, ISO times) — "unchanged" (matched through the `_`);
 * - data/balcaniwest/Rhodes/<HOSTILE_INSTITUTION>.json: the real table with an empty ladder
 *   (rebuilt from ROLE) — "new"; data/balcaniwest/Rhodes/Medici.json: the oldest real shape;
 * - two files with a problem, left out: PUNCTAJ "abc" (Valentine/Pompieri) and a duplicate member
 *   (Saint_Denis/Pompieri);
 * - 7 archives: the real pair in the server layout, three in the legacy layout (one AFTER_RESET
 *   without its pre-reset file, as in the real data), two for the new city (one after the switch
 *   to summer time);
 * - backups (a folder and a zip), audit_logs.json, users_permissions.json, .encryption_key
 *   (in data/ and in the backup), and a second server `badlands`.
 */
export async function writeSmallFolder(root, { cloud = null, zone = TIME_ZONE } = {}) {
  const real = await realFiles();
  const current = real.current.json;
  const politieRanks = ladderOf(current);
  const files = {};
  const dataDir = `data/${SERVER}`;
  const cloudScope = (city, institution) => cloud?.institutions?.find((i) => sameName(i.city, city) && sameName(i.institution, institution));

  // BlackWater/Politie: the real table, as the cloud has it except for what this import changes.
  const bwCloud = cloudScope('BlackWater', 'Politie');
  const raised = { Sintact: 47, Josef: 5 };
  const later = '2026-03-08 19:05:12';
  const archiveRows = real.preReset.json.rows;
  const newcomers = ['GUSTAVO', 'Arian'].map((discord) => {
    const { id, ...row } = archiveRows.find((r) => r.DISCORD === discord);
    void id;
    return { DISCORD: row.DISCORD, 'NUME IC': row['NUME IC'], 'SERIE DE BULETIN': row['SERIE DE BULETIN'], RANK: row.RANK, ROLE: row.ROLE, PUNCTAJ: String(row.PUNCTAJ + 3), ULTIMA_MOD: later };
  });
  const bwRows = [
    ...current.rows.map((row) => {
      if (raised[row.DISCORD] !== undefined) return { ...row, PUNCTAJ: String(raised[row.DISCORD]), ULTIMA_MOD: later };
      const theirs = bwCloud?.employees.find((e) => e.fields?.DISCORD === row.DISCORD);
      return theirs?.ultima_mod ? { ...row, ULTIMA_MOD: theirs.ultima_mod } : { ...row };
    }),
    ...newcomers,
  ];
  files[`${dataDir}/BlackWater/Politie.json`] = json(tableFile(current, { ranks: politieRanks, rows: bwRows, lastUpdate: later }));

  // Saint_Denis/Politie: what the old app held after loading the cloud's table.
  const sdCloud = cloudScope('Saint Denis', 'Politie');
  const sdRows = sdCloud
    ? sdCloud.employees.map((e, i) => ({
        id: i + 101,
        ...Object.fromEntries(sdCloud.columns.filter((c) => !FIXED.has(c)).map((c) => [c, e.fields?.[c] ?? ''])),
        RANK: String(e.rank),
        ROLE: sdCloud.ranks[e.rank - 1],
        PUNCTAJ: String(e.punctaj),
        ULTIMA_MOD: e.ultima_mod ?? '',
      }))
    : real.v1.json.rows.map((row) => ({ ...row }));
  const sdRanks = sdCloud ? sdCloud.ranks : ladderOf(real.v1.json);
  const sdLast = sdCloud?.last_points_change_at ? utcToLocal(new Date(sdCloud.last_points_change_at), zone) : '2026-03-06 20:00:00';
  files[`${dataDir}/Saint_Denis/Politie.json`] = json(tableFile(current, { ranks: sdRanks, rows: sdRows, lastUpdate: sdLast, columns: sdCloud?.columns ?? current.columns }));

  // The new city: the real empty-ladder table under a hostile name, and the oldest real shape.
  files[`${dataDir}/${NEW_CITY}/${HOSTILE_INSTITUTION}.json`] = real.v1.bytes;
  files[`${dataDir}/${NEW_CITY}/Medici.json`] = real.v0.bytes;

  // Two files with a problem.
  const notANumber = structuredClone(current);
  notANumber.rows[3].PUNCTAJ = 'abc';
  files[`${dataDir}/Valentine/Pompieri.json`] = json(notANumber);
  const duplicate = structuredClone(real.v1.json);
  duplicate.rows.push({ ...duplicate.rows[0], 'NUME IC': 'Rocky Jay (copie)', PUNCTAJ: '3' });
  files[`${dataDir}/Saint_Denis/Pompieri.json`] = json(duplicate);

  // Archives. The real pair, byte for byte, in the server layout.
  const archives = [];
  const addArchive = (path, content, { city, institution, local, afterReset }) => {
    files[path] = content;
    const key = archiveKey(cloudScope(city, institution)?.city ?? city, cloudScope(city, institution)?.institution ?? institution, local, afterReset, zone);
    archives.push({ path, key, afterReset, city, institution, local, present: Boolean(cloud?.archiveKeys?.includes(key)) });
  };
  const realLocal = real.preReset.json.archived_at;
  addArchive(`arhiva/${SERVER}/BlackWater/Politie_${fileStamp(realLocal)}.json`, real.preReset.bytes, { city: 'BlackWater', institution: 'Politie', local: realLocal, afterReset: false });
  addArchive(`arhiva/${SERVER}/BlackWater/Politie_${fileStamp(realLocal)}_AFTER_RESET.json`, real.afterReset.bytes, { city: 'BlackWater', institution: 'Politie', local: realLocal, afterReset: true });
  // The legacy layout (before servers): Saint_Denis reset several times within minutes, and an
  // AFTER_RESET snapshot without its pre-reset file — as in the real arhiva/.
  const stripIds = (rows) => rows.map(({ id, ...row }) => (void id, row));
  for (const [i, local] of ['2026-02-01 16:23:10', '2026-02-01 16:31:02'].entries()) {
    const rows = stripIds(archiveRows).map((row, j) => ({ ...row, PUNCTAJ: (j * 7 + i * 3) % 23, ULTIMA_MOD: local.replace(/:\d\d$/, ':00') }));
    addArchive(`arhiva/Saint_Denis/Politie_${fileStamp(local)}.json`, json(archiveFile({ city: 'Saint_Denis', institution: 'Politie', local, resetBy: 'Unknown', discordId: '', columns: real.preReset.json.columns, rows })), { city: 'Saint_Denis', institution: 'Politie', local, afterReset: false });
  }
  const orphan = '2026-02-01 16:49:49';
  addArchive(`arhiva/Saint_Denis/Politie_${fileStamp(orphan)}_AFTER_RESET.json`, json(archiveFile({ city: 'Saint_Denis', institution: 'Politie', local: orphan, resetBy: 'parjanu', discordId: '703316932232872016', columns: real.preReset.json.columns, rows: stripIds(archiveRows), afterReset: true })), { city: 'Saint_Denis', institution: 'Politie', local: orphan, afterReset: true });
  // The new city's history: scores as text (as in arhiva/balcaniwest), the hostile name inside.
  const v1Local = '2026-02-15 02:01:43';
  addArchive(`arhiva/${SERVER}/${NEW_CITY}/${HOSTILE_INSTITUTION}_${fileStamp(v1Local)}.json`, json(archiveFile({ city: NEW_CITY, institution: HOSTILE_INSTITUTION, local: v1Local, resetBy: 'parjanu', discordId: '703316932232872016', columns: real.v1.json.columns, rows: real.v1.json.rows, pointsAsText: true })), { city: NEW_CITY, institution: HOSTILE_INSTITUTION, local: v1Local, afterReset: false });
  const summer = '2026-03-29 12:00:00'; // Bucharest is UTC+3 from 04:00 that day
  addArchive(`arhiva/${SERVER}/${NEW_CITY}/Medici_${fileStamp(summer)}.json`, json(archiveFile({ city: NEW_CITY, institution: 'Medici', local: summer, resetBy: 'parjanu', discordId: '703316932232872016', columns: real.v0.json.columns, rows: real.v0.json.rows.map((r) => ({ ...r, ULTIMA_MOD: '2026-03-29 11:58:00' })), pointsAsText: true })), { city: NEW_CITY, institution: 'Medici', local: summer, afterReset: false });

  // The rest of data/<server>/, the key, the backups and the other server.
  const audit = smallAuditEntries();
  const users = smallUsers();
  files[`${dataDir}/audit_logs.json`] = auditLogs(audit);
  files[`${dataDir}/users_permissions.json`] = usersPermissions(users);
  files['data/.encryption_key'] = FAKE_KEY;
  const backup = 'arhiva/backup_20260218_181000';
  files[`${backup}/BlackWater/Politie.json`] = real.v1.bytes;
  files[`${backup}/users_permissions.json`] = files[`${dataDir}/users_permissions.json`];
  files[`${backup}/audit_logs.json`] = files[`${dataDir}/audit_logs.json`];
  files[`${backup}/.encryption_key`] = FAKE_KEY;
  files['arhiva/backups/backup_20260218_181500.zip'] = zipBuffer([
    { name: 'BlackWater/Politie.json', data: real.v1.bytes },
    { name: 'users_permissions.json', data: files[`${dataDir}/users_permissions.json`] },
    { name: 'audit_logs.json', data: files[`${dataDir}/audit_logs.json`] },
  ]);
  const badlandsColumns = ['DISCORD', 'RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD'];
  files[`data/${OTHER_SERVER}/SaintDenis/Politie.json`] = json(
    tableFile(current, {
      columns: badlandsColumns,
      ranks: politieRanks,
      rows: current.rows.slice(0, 4).map((r) => Object.fromEntries(badlandsColumns.map((c) => [c, r[c]]))),
      lastUpdate: '2026-03-02 21:00:00',
    }),
  );

  await writeTree(root, files);

  const scopeFiles = [
    { city: 'BlackWater', institution: 'Politie', path: `${dataDir}/BlackWater/Politie.json` },
    { city: nameFromFolder('Saint_Denis'), institution: 'Politie', path: `${dataDir}/Saint_Denis/Politie.json` },
    { city: NEW_CITY, institution: HOSTILE_INSTITUTION, path: `${dataDir}/${NEW_CITY}/${HOSTILE_INSTITUTION}.json` },
    { city: NEW_CITY, institution: 'Medici', path: `${dataDir}/${NEW_CITY}/Medici.json` },
  ];
  const scopes = scopeFiles.map((s) => compareScope({ ...s, file: JSON.parse(files[s.path].toString()) }, cloud));
  const expected = {
    root,
    server: SERVER,
    servers: [OTHER_SERVER, SERVER].sort(),
    timeZone: zone,
    scopes,
    archives,
    totals: totals(scopes, archives),
    problems: [
      { path: `${dataDir}/Valentine/Pompieri.json`, city: 'Valentine', institution: 'Pompieri', why: 'PUNCTAJ "abc" is not a number (rows[3])' },
      { path: `${dataDir}/Saint_Denis/Pompieri.json`, city: 'Saint Denis', institution: 'Pompieri', why: `duplicate member ${duplicate.rows[0].DISCORD}` },
    ],
    skipped: ['data/.encryption_key'],
    secrets: [`${backup}/.encryption_key`, 'data/.encryption_key'],
    invites: users.map((u) => ({ discordId: u.discord_id, username: u.username })),
    auditEntries: audit.length,
    files: Object.keys(files).sort(),
  };
  expected.again = reimported(expected);
  return expected;
}

/**
 * SQL (superuser) returning the cloud as the small folder is compared with: every live
 * institution with its members, and the keys in bucket `arhiva`. Times are ISO in UTC with
 * microseconds and "+00:00", as the old app stored rows it loaded from the cloud.
 */
export const cloudSnapshotSql = `
select json_build_object(
  'institutions', (
    select coalesce(json_agg(json_build_object(
             'city', c.name, 'institution', i.name, 'ranks', i.ranks, 'columns', i.columns,
             'last_points_change_at', to_char(i.last_points_change_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
             'employees', (
               select coalesce(json_agg(json_build_object(
                        'rank', e.rank, 'punctaj', e.punctaj, 'fields', e.fields,
                        'ultima_mod', to_char(e.ultima_mod at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
                      order by e.punctaj desc, e.id), '[]'::json)
                 from public.employees e
                where e.institution_id = i.id and e.deleted_at is null))
           order by i.id), '[]'::json)
      from public.institutions i join public.cities c on c.id = i.city_id
     where i.deleted_at is null and c.deleted_at is null),
  'archiveKeys', (select coalesce(json_agg(o.name order by o.name), '[]'::json)
                    from storage.objects o where o.bucket_id = 'arhiva'))`;

// The large folder (the benchmark) --------------------------------------------------------------------

export const LARGE = {
  cities: ['BlackWater', 'Saint Denis', 'Valentine', 'Rhodes', 'Strawberry', 'Annesburg', 'Van Horn', 'Armadillo', 'Tumbleweed', 'Emerald Ranch', 'Lagras', 'Colter', 'Wapiti', 'Manzanita Post', 'Riggs Station', 'Flatneck Station', "Thieves' Landing", "MacFarlane's Ranch", 'Benedict Point', 'Fort Wallace'],
  institutions: ['Politie', 'Medici', 'Pompieri', 'Armată', 'Justiție'],
  employees: 60,
  archivesPerInstitution: 5,
};
const LADDERS = {
  Medici: ['Asistent', 'Paramedic', 'Medic', 'Medic Specialist', 'Medic Primar', 'Director'],
  Pompieri: ['Voluntar', 'Pompier', 'Sergent Pompier', 'Plutonier Pompier', 'Ofițer', 'Comandant', 'Inspector'],
  Armată: ['Soldat', 'Fruntaș', 'Caporal', 'Sergent', 'Locotenent', 'Căpitan', 'Colonel'],
  Justiție: ['Grefier', 'Avocat', 'Procuror', 'Judecător', 'Judecător Șef', 'Președinte', 'Ministru'],
};

/**
 * A large community (default 20 cities × 5 institutions × 60 members, 5 archives each = 500),
 * made by varying the real rows: every member's key is unique, so against the demo data every
 * member is new. Formats are mixed as in real folders: scores as text or numbers, local or ISO
 * ULTIMA_MOD, some ladders empty (rebuilt from ROLE); per institution one archive in the legacy
 * layout, three in the server layout and the AFTER_RESET twin of the last one.
 */
export async function writeLargeFolder(root, { cities = LARGE.cities, institutions = LARGE.institutions, employees = LARGE.employees, archivesPerInstitution = LARGE.archivesPerInstitution, zone = TIME_ZONE } = {}) {
  const real = await realFiles();
  const current = real.current.json;
  const pool = uniqueBy([...current.rows, ...real.v1.json.rows, ...real.preReset.json.rows, ...real.v0.json.rows], (r) => r.DISCORD);
  const files = {};
  const scopes = [];
  const archives = [];
  for (const [ci, city] of cities.entries()) {
    for (const [ii, institution] of institutions.entries()) {
      const ranks = institution === 'Politie' ? ladderOf(current) : LADDERS[institution] ?? ladderOf(current);
      const n = ci * institutions.length + ii;
      const cloudLoaded = n % 5 === 4; // rows the old app last loaded from the cloud
      const rows = Array.from({ length: employees }, (_, j) => {
        const person = pool[j % pool.length];
        const rank = 1 + ((j + ci + ii) % ranks.length);
        const points = (j * 37 + ci * 11 + ii * 5) % 97;
        const minutes = (j * 53 + n * 7) % 1440;
        const local = `2026-03-0${1 + (j % 7)} ${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:${pad((j * 13) % 60)}`;
        return {
          ...(cloudLoaded ? { id: 1000 * n + j } : {}),
          DISCORD: `${person.DISCORD}.${pad(ci)}${ii}${pad(j)}`,
          'NUME IC': `${person['NUME IC']} ${romanNumeral(1 + (j % 12))}`,
          'SERIE DE BULETIN': rotateSerial(person['SERIE DE BULETIN'], n + j),
          RANK: String(rank),
          ROLE: ranks[rank - 1],
          PUNCTAJ: cloudLoaded ? points : String(points),
          ULTIMA_MOD: cloudLoaded ? `${localToUtc(local, zone).toISOString().replace('Z', '').padEnd(23, '0')}412+00:00` : local,
        };
      });
      const file = tableFile(current, { ranks, rows, lastUpdate: '2026-03-07 23:59:00', emptyRanks: n % 7 === 3 });
      const path = `data/${SERVER}/${folderFromName(city)}/${folderFromName(institution)}.json`;
      files[path] = json(file);
      scopes.push({ ...compareScope({ city, institution, path, file }, null) });
      for (let r = 0; r < archivesPerInstitution; r += 1) {
        const afterReset = r === archivesPerInstitution - 1 && r > 0;
        const resetIndex = afterReset ? r - 1 : r;
        const day = 1 + resetIndex * 7;
        const minute = (n * 3) % 60;
        const local = `2026-02-${pad(Math.min(day, 28))} ${pad(18 + (n % 5))}:${pad(minute)}:${pad((n * 7) % 60)}`;
        const legacyLayout = r === 0;
        const folder = legacyLayout ? `arhiva/${folderFromName(city)}` : `arhiva/${SERVER}/${folderFromName(city)}`;
        const path2 = `${folder}/${folderFromName(institution)}_${fileStamp(local)}${afterReset ? '_AFTER_RESET' : ''}.json`;
        const archiveRows = rows.map((row, j) => ({ ...row, PUNCTAJ: (j * 11 + resetIndex * 17 + n) % 120 }));
        files[path2] = json(archiveFile({ city: folderFromName(city), institution, local, resetBy: 'parjanu', discordId: '703316932232872016', columns: current.columns, rows: archiveRows, afterReset, pointsAsText: !legacyLayout }));
        archives.push({ path: path2, key: archiveKey(city, institution, local, afterReset, zone), afterReset, city, institution, local, present: false });
      }
    }
  }
  const audit = Array.from({ length: 950 }, (_, k) => {
    const at = new Date(Date.UTC(2026, 1, 1, 10) + k * 47 * 60_000);
    const city = cities[k % cities.length];
    const institution = institutions[k % institutions.length];
    return {
      id: 10_000 + k,
      discord_id: '703316932232872016',
      discord_username: 'parjanu',
      server_key: SERVER,
      action_type: ['edit_points', 'edit', 'add_employee', 'reset_punctaj_all', 'delete_employee'][k % 5],
      city: folderFromName(city),
      institution,
      entity_name: pool[k % pool.length].DISCORD,
      entity_id: String(k),
      details: `${pool[k % pool.length].DISCORD}: ${k % 40} → ${(k % 40) + 1} (Adăugare 1 puncte)`,
      changes: '',
      timestamp: at.toISOString().replace('Z', '+00:00'),
      created_at: at.toISOString().replace('Z', '+00:00'),
    };
  });
  const users = Array.from({ length: 40 }, (_, k) =>
    userEntry({ discordId: String(700000000000000000n + BigInt(k) * 7919n), username: `${pool[k % pool.length].DISCORD.toLowerCase().replace(/\s+/g, '.')}.${k}`, institutions: { [folderFromName(cities[k % cities.length])]: { [institutions[k % institutions.length]]: k % 3 ? ['can_view', 'can_add_score'] : ALL_INSTITUTION_PERMISSIONS } } }),
  );
  files[`data/${SERVER}/audit_logs.json`] = auditLogs(audit);
  files[`data/${SERVER}/users_permissions.json`] = usersPermissions(users);
  files['data/.encryption_key'] = FAKE_KEY;
  await writeTree(root, files);
  return {
    root,
    server: SERVER,
    servers: [SERVER],
    timeZone: zone,
    scopes,
    archives,
    totals: totals(scopes, archives),
    problems: [],
    skipped: ['data/.encryption_key'],
    invites: users.map((u) => ({ discordId: u.discord_id, username: u.username })),
    auditEntries: audit.length,
    fileCount: Object.keys(files).length,
    bytes: Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0),
  };
}

function uniqueBy(items, key) {
  const seen = new Set();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

function romanNumeral(n) {
  return ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'][n - 1];
}

/** A real serial ("J82B48Z62") varied: letters shifted, digits rotated. */
function rotateSerial(serial, k) {
  return [...serial]
    .map((c) => (/[A-Z]/.test(c) ? String.fromCharCode(65 + ((c.charCodeAt(0) - 65 + k) % 26)) : /\d/.test(c) ? String((Number(c) + k) % 10) : c))
    .join('');
}

// Hostile files ------------------------------------------------------------------------------------------

export const HUGE_BYTES = 20 * 1024 * 1024;
export const DEEP_LEVELS = 100_000;
export const BOMB_BYTES = 300 * 1024 * 1024;

/** A valid institution file of about `bytes` bytes (one member, a huge rank description). */
export async function writeHugeJson(path, bytes = HUGE_BYTES) {
  const real = await realFiles();
  const head = JSON.stringify({ ...real.current.json, rows: real.current.json.rows.slice(0, 1), rankuri_desc: '' });
  const padding = 'x'.repeat(Math.max(0, bytes - head.length));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, head.replace('"rankuri_desc":""', `"rankuri_desc":"${padding}"`));
  return (await stat(path)).size;
}

/** `levels` nested arrays: `[[[…]]]` (valid JSON, deeper than any parser's recursion limit). */
export async function writeDeepJson(path, levels = DEEP_LEVELS) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${'['.repeat(levels)}${']'.repeat(levels)}`);
}

/**
 * A folder of hostile files only, every one of them a problem: the 20 MB file, the deep nesting,
 * markup in a folder name (invalid JSON inside), in a file name (a PUNCTAJ that is markup) and in
 * an archive's content (its city disagrees with its path).
 */
export async function writeHostileFolder(root) {
  const real = await realFiles();
  const dataDir = `data/${SERVER}`;
  const problems = [];
  const huge = `${dataDir}/BlackWater/Huge.json`;
  problems.push({ path: huge, why: 'too large', bytes: await writeHugeJson(join(root, ...huge.split('/'))) });
  const deep = `${dataDir}/BlackWater/Deep.json`;
  await writeDeepJson(join(root, ...deep.split('/')));
  problems.push({ path: deep, why: 'nested too deeply' });
  const files = {};
  const markupFolder = `${dataDir}/<img src=x onerror=alert(1)>/Politie.json`;
  files[markupFolder] = real.current.bytes.subarray(0, Math.floor(real.current.bytes.length / 2));
  problems.push({ path: markupFolder, why: 'invalid JSON' });
  const markupFile = `${dataDir}/BlackWater/<script>alert(2)<script>.json`;
  const scripted = structuredClone(real.current.json);
  scripted.rows[0].PUNCTAJ = '<script>alert(3)</script>';
  files[markupFile] = json(scripted);
  problems.push({ path: markupFile, why: 'PUNCTAJ is not a number' });
  const lying = `arhiva/${SERVER}/BlackWater/Politie_2026-02-20_10-00-00.json`;
  files[lying] = json({ ...real.preReset.json, archived_at: '2026-02-20 10:00:00', city: '<script>alert(4)</script>' });
  problems.push({ path: lying, why: 'name and content disagree' });
  await writeTree(root, files);
  return { root, server: SERVER, problems, files: await listFiles(root) };
}

/**
 * Three hostile zips for the loose-file input:
 * - `traversal.zip`: a valid table under entry names that climb out of the folder ("../../",
 *   an absolute path, backslashes);
 * - `bomb.zip`: a table whose rows are BOMB_BYTES (300 MiB) of spaces, deflated to ~300 KB, its
 *   real size in the headers;
 * - `lying-bomb.zip`: the same entry declaring 2 KiB (only a bounded inflate notices).
 * Returns the paths and, per zip, the entry names a refusal has to cover.
 */
export async function writeHostileZips(dir, { bombBytes = BOMB_BYTES } = {}) {
  const real = await realFiles();
  await mkdir(dir, { recursive: true });
  const traversal = join(dir, 'traversal.zip');
  const evil = ['../../evil.json', `data/${SERVER}/BlackWater/../../../../evil2.json`, '/tmp/evil3.json', '..\\..\\evil4.json'];
  await writeFile(traversal, zipBuffer(evil.map((name) => ({ name, data: real.current.bytes }))));
  const bombs = await writeZipBombs(dir, { bytes: bombBytes });
  const marker = (entry) => entry.split(/[\\/]/).pop();
  return {
    files: [traversal, ...bombs.map((b) => b.path)],
    // What identifies an entry's problem: the file name for the traversal entries (their path is
    // the refused name, perhaps shown normalised), the whole entry path for the bombs.
    zips: [{ path: traversal, name: 'traversal.zip', entries: evil, marker }, ...bombs.map((b) => ({ ...b, marker: (entry) => entry }))],
  };
}

/** `bytes` of a valid institution table (rows of spaces), raw-deflated, with its CRC-32. */
async function deflatedSpaces(bytes) {
  const head = Buffer.from('{"columns":["DISCORD","RANK","ROLE","PUNCTAJ"],"ranks":{"1":"Offiter"},"rows":[');
  const tail = Buffer.from(']}');
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const deflate = createDeflateRaw({ level: 9 });
  const out = [];
  deflate.on('data', (c) => out.push(c));
  const done = new Promise((resolveDone, reject) => {
    deflate.on('end', resolveDone);
    deflate.on('error', reject);
  });
  const write = (buffer) => (deflate.write(buffer) ? Promise.resolve() : new Promise((r) => deflate.once('drain', r)));
  let crc = crc32(head);
  await write(head);
  for (let left = bytes - head.length - tail.length; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(piece, crc);
    await write(piece);
  }
  crc = crc32(tail, crc);
  deflate.end(tail);
  await done;
  return { raw: Buffer.concat(out), crc, size: bytes };
}

/** `bomb.zip` (honest headers) and `lying-bomb.zip` (declares 2 KiB) in `dir`; see writeHostileZips. */
export async function writeZipBombs(dir, { bytes = BOMB_BYTES } = {}) {
  const { raw, crc, size } = await deflatedSpaces(bytes);
  const zips = [
    { name: 'bomb.zip', entries: [`data/${SERVER}/BlackWater/Politie.json`], declared: size },
    { name: 'lying-bomb.zip', entries: [`data/${SERVER}/Valentine/Politie.json`], declared: 2048 },
  ];
  for (const zip of zips) {
    zip.path = join(dir, zip.name);
    await writeFile(zip.path, zipBuffer([{ name: zip.entries[0], raw, crc, size: zip.declared, method: 'deflate' }]));
  }
  return zips.map(({ path, name, entries, declared }) => ({ path, name, entries, declared, inflated: size, compressed: raw.length }));
}

// Zip ---------------------------------------------------------------------------------------------------

function dosTime(date) {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/**
 * A zip file (no zip64: every entry and the whole under 4 GiB). `entries`: `{ name, data }` with
 * `method` 'deflate' (default) or 'store'; or `{ name, raw, crc, size, method }` for bytes already
 * deflated (`size` is what the headers declare). Names are UTF-8 (flag bit 11), written as given.
 */
export function zipBuffer(entries, { mtime = new Date(2026, 1, 18, 18, 15, 0) } = {}) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const { time, date } = dosTime(mtime);
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    let method;
    let raw;
    let crc;
    let size;
    if (entry.raw) {
      ({ raw, crc, size } = entry);
      method = entry.method === 'store' ? 0 : 8;
    } else {
      const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
      crc = crc32(data);
      size = data.length;
      method = entry.method === 'store' ? 0 : 8;
      raw = method === 8 ? deflateRawSync(data, { level: 9 }) : data;
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(raw.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, zip 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(raw.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, raw);
    centrals.push(central, name);
    offset += local.length + name.length + raw.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Zips every file under `dir` (entry names relative to it, or under `prefix/`) into `zipPath`. */
export async function zipFolder(dir, zipPath, { prefix = '' } = {}) {
  const names = await listFiles(dir);
  const entries = await Promise.all(names.map(async (name) => ({ name: prefix ? `${prefix}/${name}` : name, data: await readFile(join(dir, ...name.split('/'))) })));
  await mkdir(dirname(zipPath), { recursive: true });
  await writeFile(zipPath, zipBuffer(entries));
  return names;
}
