-- 0010_backups.sql — daily server-side backups of the synced data (issue [G] point 3).
--
-- 1. public.backup_settings (one row): the community's time zone (default Europe/Bucharest), the
--    retention (default 30 days) and the largest backup allowed (default 50 MB).
-- 2. public.backups: one row per snapshot of every row of cities, institutions, employees and
--    archives (soft-deleted rows included), with the version and data hash it was taken at.
-- 3. app.scheduled_backup(): run by pg_cron every 15 minutes; takes the day's backup in the first
--    hour after midnight in the community's time zone, then applies the retention. No client ever
--    runs a scheduled or destructive job.
-- 4. RPCs, owner only: set_backup_settings, backup_now, backup_document (the JSON file to download)
--    and restore_backup (one transaction: a pre-restore backup first, then the snapshot's rows,
--    one audit entry, exactly one version bump, so every client locks and downloads).
-- 5. The pg_cron job: scheduled here where pg_cron is an extension of this database (Supabase);
--    locally (pg_cron lives in the database `postgres`) by sql/local/schedule_backups.sql.
--
-- Snapshot format, RPCs and errors: docs/database.md ("Backups"). Errors: 42501 not the owner ·
-- 22023 invalid argument or malformed snapshot · PT413 (HTTP 413) the backup would exceed the configured
-- maximum (nothing written) · PT404 no such backup · PT429 one manual backup per 10 s.
-- Replaces app.can of 0002_permissions.sql (same signature, so its grants stay) to add the
-- owner-only capability `backups`: after re-running 0002, run this file again. A restore also
-- clears archives.undoable (0009_reset_undo.sql): no reset is undone across a restore. Idempotent.

-- 1. Settings -------------------------------------------------------------------------------------
create table if not exists public.backup_settings (
  id boolean primary key default true,
  time_zone text not null default 'Europe/Bucharest',
  retention_days integer not null default 30,
  max_bytes bigint not null default 52428800,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  constraint backup_settings_single_row check (id),
  constraint backup_settings_retention_days_check check (retention_days between 1 and 3650),
  constraint backup_settings_max_bytes_check check (max_bytes between 1024 and 1073741824)
);
insert into public.backup_settings (id) values (true) on conflict (id) do nothing;

alter table public.backup_settings enable row level security;
revoke all on table public.backup_settings from public, anon, authenticated, service_role;
grant select on table public.backup_settings to authenticated, service_role;
drop policy if exists backup_settings_read on public.backup_settings;
create policy backup_settings_read on public.backup_settings
  for select to authenticated using ((select app.can('backups')));

-- 2. Backups --------------------------------------------------------------------------------------
-- counts: {"cities", "institutions", "employees", "archives"} = every row in the snapshot, the
-- soft-deleted ones included; "deleted": {"cities", "institutions", "employees"} = how many of
-- those are soft-deleted. size_bytes = octet_length(snapshot::text).
create table if not exists public.backups (
  id bigint generated always as identity primary key,
  taken_at timestamptz not null default now(),
  local_date date not null,
  kind text not null,
  taken_by uuid,
  taken_by_name text,
  version bigint,
  data_hash char(64),
  counts jsonb not null,
  size_bytes bigint not null,
  snapshot jsonb not null,
  restored_at timestamptz,
  restored_by uuid,
  restored_by_name text,
  constraint backups_kind_check check (kind in ('scheduled', 'manual', 'pre_restore'))
);
create index if not exists backups_taken_at_idx on public.backups (taken_at desc, id desc);
-- One scheduled backup per local date (app.scheduled_backup also checks, under a lock).
create unique index if not exists backups_scheduled_local_date_key
  on public.backups (local_date) where kind = 'scheduled';

alter table public.backups enable row level security;
revoke all on table public.backups from public, anon, authenticated, service_role;
-- Owners list the backups (every column but the snapshot itself, which is large: they download
-- one with rpc/backup_document). `select=*` is therefore refused, as for sync_log.
grant select (id, taken_at, local_date, kind, taken_by, taken_by_name, version, data_hash, counts,
              size_bytes, restored_at, restored_by, restored_by_name)
  on table public.backups to authenticated;
grant select on table public.backups to service_role;
drop policy if exists backups_read on public.backups;
create policy backups_read on public.backups
  for select to authenticated using ((select app.can('backups')));

do $$
declare
  s text := pg_catalog.pg_get_serial_sequence('public.backups', 'id');
begin
  execute format('revoke all on sequence %s from public, anon, authenticated, service_role', s);
end
$$;

-- Helpers -----------------------------------------------------------------------------------------

-- app.can gains the capability `backups` (take, list, download and restore backups, set when they
-- are taken): the owner's alone, since a restore replaces what everyone synced. Same signature as
-- in 0002_permissions.sql, so its grants stay; its Rust twin is punctaj_core::permissions::can
-- (Capability::Backups), tested against it in tests/shared_rules.rs.
create or replace function app.can(capability text, institution_id bigint default null)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_global text;
  v_inst_role text;
begin
  if v_uid is null or capability is null then
    return false;
  end if;
  select g.role into v_global from public.global_roles g where g.user_id = v_uid;
  if capability = 'backups' then
    return v_global is not distinct from 'owner';   -- the owner's alone, admins included out
  end if;
  if v_global in ('owner', 'admin') then
    return capability in ('read', 'points', 'employees', 'reset', 'audit', 'structure', 'members', 'force_sync');
  end if;
  if v_global is null
     and not exists (select 1 from public.institution_roles r where r.user_id = v_uid) then
    return false;                                   -- no grant ("pending")
  end if;
  if capability in ('read', 'force_sync') then
    return true;                                    -- any granted account
  end if;
  if can.institution_id is null then
    return false;
  end if;
  select r.role into v_inst_role
    from public.institution_roles r
   where r.user_id = v_uid and r.institution_id = can.institution_id;
  return case
    when capability = 'points' then coalesce(v_inst_role in ('leader', 'member'), false)
    when capability in ('employees', 'reset', 'audit') then coalesce(v_inst_role = 'leader', false)
    else false
  end;
end
$$;

-- Raises 42501 unless the caller is the owner (backups are the owner's: admins manage the data,
-- not its history). Returns the caller's id. The messages follow app.require's.
create or replace function app.require_owner(p_action text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception using errcode = '42501',
      message = format('permission denied: %s requires a signed-in account', p_action);
  end if;
  if not app.can('backups') then
    if not app.can('read') then
      raise exception using errcode = '42501',
        message = format('permission denied: %s — this account has no access yet (an admin must grant it)', p_action),
        hint = 'Ask an owner or admin to grant your account a role.';
    end if;
    raise exception using errcode = '42501',
      message = format('permission denied: %s requires the owner role (only the owner manages backups)', p_action);
  end if;
  return v_uid;
end
$$;

-- A size as people read it: 512 B, 1.5 KB, 61.2 MB, 1 GB (base 1024).
create or replace function app.format_bytes(p_bytes bigint)
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select case
    when p_bytes < 1024 then p_bytes::text || ' B'
    when p_bytes < 1048576 then pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.round(p_bytes / 1024.0, 1)::text, '0'), '.') || ' KB'
    when p_bytes < 1073741824 then pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.round(p_bytes / 1048576.0, 1)::text, '0'), '.') || ' MB'
    else pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.round(p_bytes / 1073741824.0, 1)::text, '0'), '.') || ' GB'
  end
$$;

-- The settings row (created with the defaults when missing).
create or replace function app.backup_settings()
returns public.backup_settings
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v public.backup_settings;
begin
  select * into v from public.backup_settings s where s.id;
  if not found then
    insert into public.backup_settings (id) values (true) on conflict (id) do nothing;
    select * into v from public.backup_settings s where s.id;
  end if;
  if not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = v.time_zone) then
    raise exception using errcode = '22023',
      message = format('backup_settings.time_zone "%s" is not a time zone name; set one with set_backup_settings', v.time_zone);
  end if;
  return v;
end
$$;

-- The pg_cron job, in one place: its name, schedule (every 15 minutes, so that zones with :30 and
-- :45 offsets get their midnight too) and command. sql/local/schedule_backups.sql repeats the
-- literals (it runs in another database); the tests check both agree.
create or replace function app.backup_job()
returns table (job_name text, schedule text, command text)
language sql
immutable
set search_path = ''
as $$
  select 'punctaj-daily-backup'::text, '*/15 * * * *'::text, 'select app.scheduled_backup()'::text
$$;

-- 3. Taking a backup ------------------------------------------------------------------------------
-- Builds the snapshot in one statement (one consistent view of the data), refuses with PT413 and
-- writes nothing when it is larger than backup_settings.max_bytes, else stores it and returns the
-- new backup's id. Every row of every table, all columns (to_jsonb), ordered by id: the same data
-- gives the same document. Timestamps are written in UTC whoever calls.
create or replace function app.take_backup(p_kind text, p_actor uuid, p_at timestamptz default pg_catalog.now())
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_settings public.backup_settings := app.backup_settings();
  v_snapshot jsonb;
  v_counts jsonb;
  v_size bigint;
  v_id bigint;
begin
  if p_kind is null or p_kind not in ('scheduled', 'manual', 'pre_restore') then
    raise exception using errcode = '22023',
      message = format('p_kind must be scheduled, manual or pre_restore, got %s', coalesce(p_kind, 'null'));
  end if;
  select pg_catalog.jsonb_build_object(
           'format', 'punctaj-backup',
           'format_version', 1,
           'taken_at', p_at,
           'version', m.version,
           'data_hash', pg_catalog.btrim(m.data_hash),
           'cities', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.id) from public.cities c), '[]'::jsonb),
           'institutions', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i) order by i.id) from public.institutions i), '[]'::jsonb),
           'employees', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e) order by e.id) from public.employees e), '[]'::jsonb),
           'archives', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.id) from public.archives a), '[]'::jsonb)),
         pg_catalog.jsonb_build_object(
           'cities', (select count(*) from public.cities),
           'institutions', (select count(*) from public.institutions),
           'employees', (select count(*) from public.employees),
           'archives', (select count(*) from public.archives),
           'deleted', pg_catalog.jsonb_build_object(
             'cities', (select count(*) from public.cities c where c.deleted_at is not null),
             'institutions', (select count(*) from public.institutions i where i.deleted_at is not null),
             'employees', (select count(*) from public.employees e where e.deleted_at is not null)))
    into v_snapshot, v_counts
    from (select 1) as one
    left join public.sync_metadata m on m.sync_key = 'global_version';

  v_size := pg_catalog.octet_length(v_snapshot::text);
  if v_size > v_settings.max_bytes then
    raise exception using errcode = 'PT413',
      message = format('the backup would be %s (%s bytes), more than the configured maximum of %s (%s bytes); nothing was written',
                       app.format_bytes(v_size), v_size, app.format_bytes(v_settings.max_bytes), v_settings.max_bytes),
      detail = pg_catalog.jsonb_build_object('size_bytes', v_size, 'max_bytes', v_settings.max_bytes)::text,
      hint = 'The owner can raise the maximum with set_backup_settings (p_max_bytes, at most 1 GB).';
  end if;

  insert into public.backups (taken_at, local_date, kind, taken_by, taken_by_name, version, data_hash,
                              counts, size_bytes, snapshot)
  values (p_at, (p_at at time zone v_settings.time_zone)::date, p_kind, p_actor,
          case when p_actor is null then 'system' else app.actor_name(p_actor) end,
          (v_snapshot ->> 'version')::bigint, v_snapshot ->> 'data_hash', v_counts, v_size, v_snapshot)
  returning id into v_id;
  return v_id;
end
$$;

-- The job pg_cron runs every 15 minutes: takes a `scheduled` backup when the local time in
-- backup_settings.time_zone at p_now is 00:00–00:59 and no scheduled backup exists for that local
-- date; then deletes the backups (of every kind) taken more than retention_days before p_now —
-- never the newest one, so a community whose backups stopped (e.g. too large) keeps its last.
-- A backup that fails (PT413, too large) fails the whole run: nothing is deleted in that run and
-- the error shows in cron.job_run_details; the next run (15 minutes later) tries again.
-- Returns {"taken": <id> | null, "deleted": <n>, "time_zone", "local_time"}.
create or replace function app.scheduled_backup(p_now timestamptz default pg_catalog.now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_settings public.backup_settings;
  v_local timestamp;
  v_taken bigint;
  v_deleted integer;
begin
  if p_now is null then
    raise exception using errcode = '22023', message = 'p_now must not be null';
  end if;
  -- One run at a time (a manual call racing the cron job).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.scheduled_backup'));
  v_settings := app.backup_settings();
  v_local := p_now at time zone v_settings.time_zone;
  if extract(hour from v_local) = 0
     and not exists (select 1 from public.backups b
                      where b.kind = 'scheduled' and b.local_date = v_local::date) then
    v_taken := app.take_backup('scheduled', null, p_now);
  end if;

  delete from public.backups b
   where b.taken_at < p_now - pg_catalog.make_interval(days => v_settings.retention_days)
     and b.id <> (select n.id from public.backups n order by n.taken_at desc, n.id desc limit 1);
  get diagnostics v_deleted = row_count;

  return pg_catalog.jsonb_build_object(
    'taken', v_taken, 'deleted', v_deleted, 'time_zone', v_settings.time_zone,
    'local_time', pg_catalog.to_char(v_local, 'YYYY-MM-DD"T"HH24:MI:SS'));
end
$$;

-- 4. RPCs -----------------------------------------------------------------------------------------

-- Owner only. Each argument null = unchanged. Not synced data: no version bump; one audit entry
-- when something changed. Returns the settings and whether they changed.
create or replace function public.set_backup_settings(
  p_time_zone text default null, p_retention_days integer default null, p_max_bytes bigint default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_old public.backup_settings;
  v_new public.backup_settings;
begin
  v_uid := app.require_owner('set_backup_settings');
  if p_time_zone is not null
     and not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = p_time_zone) then
    raise exception using errcode = '22023',
      message = format('p_time_zone must be a time zone name such as Europe/Bucharest (pg_timezone_names), got "%s"',
                       pg_catalog.left(p_time_zone, 80));
  end if;
  if p_retention_days is not null and p_retention_days not between 1 and 3650 then
    raise exception using errcode = '22023',
      message = format('p_retention_days must be between 1 and 3650 days, got %s', p_retention_days);
  end if;
  if p_max_bytes is not null and p_max_bytes not between 1024 and 1073741824 then
    raise exception using errcode = '22023',
      message = format('p_max_bytes must be between 1024 (1 KB) and 1073741824 (1 GB), got %s', p_max_bytes);
  end if;

  perform app.backup_settings();
  select * into v_old from public.backup_settings s where s.id for update;
  v_new := v_old;
  v_new.time_zone := coalesce(p_time_zone, v_old.time_zone);
  v_new.retention_days := coalesce(p_retention_days, v_old.retention_days);
  v_new.max_bytes := coalesce(p_max_bytes, v_old.max_bytes);
  if (v_new.time_zone, v_new.retention_days, v_new.max_bytes)
     is not distinct from (v_old.time_zone, v_old.retention_days, v_old.max_bytes) then
    return pg_catalog.jsonb_build_object('time_zone', v_old.time_zone, 'retention_days', v_old.retention_days,
                                         'max_bytes', v_old.max_bytes, 'changed', false);
  end if;
  update public.backup_settings s
     set time_zone = v_new.time_zone, retention_days = v_new.retention_days,
         max_bytes = v_new.max_bytes, updated_at = now(), updated_by = v_uid
   where s.id;
  perform app.audit('set_backup_settings', 'backup_settings', null, null, null, null,
                    pg_catalog.jsonb_build_object('time_zone', v_old.time_zone, 'retention_days', v_old.retention_days,
                                                  'max_bytes', v_old.max_bytes),
                    pg_catalog.jsonb_build_object('time_zone', v_new.time_zone, 'retention_days', v_new.retention_days,
                                                  'max_bytes', v_new.max_bytes),
                    format('backups: time zone %s, kept %s days, at most %s',
                           v_new.time_zone, v_new.retention_days, app.format_bytes(v_new.max_bytes)));
  return pg_catalog.jsonb_build_object('time_zone', v_new.time_zone, 'retention_days', v_new.retention_days,
                                       'max_bytes', v_new.max_bytes, 'changed', true);
end
$$;

-- Owner only: a backup now (kind manual). At most one manual backup every 10 s (PT429, `details` =
-- seconds to wait), serialised by an advisory lock. One audit entry. No version bump.
create or replace function public.backup_now()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_last timestamptz;
  v_elapsed double precision;
  v_left integer;
  v_id bigint;
  v_backup public.backups;
begin
  v_uid := app.require_owner('backup_now');
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.backup_now'));
  select max(b.taken_at) into v_last from public.backups b where b.kind = 'manual';
  if v_last is not null then
    v_elapsed := extract(epoch from (pg_catalog.clock_timestamp() - v_last));
    if v_elapsed < 10 then
      v_left := greatest(1, ceil(10 - v_elapsed))::integer;
      raise exception using errcode = 'PT429',
        message = 'backup rate limited (at most one manual backup every 10 seconds)',
        detail = v_left::text,
        hint = format('One manual backup every 10 seconds; try again in %s s.', v_left);
    end if;
  end if;

  v_id := app.take_backup('manual', v_uid, pg_catalog.clock_timestamp());
  select * into v_backup from public.backups b where b.id = v_id;
  perform app.audit('backup_now', 'backup', v_backup.id::text, v_backup.local_date::text, null, null, null,
                    pg_catalog.jsonb_build_object('backup_id', v_backup.id, 'size_bytes', v_backup.size_bytes,
                                                  'counts', v_backup.counts, 'version', v_backup.version),
                    format('manual backup %s (%s) of version %s', v_backup.id,
                           app.format_bytes(v_backup.size_bytes), v_backup.version));
  return pg_catalog.jsonb_build_object('backup_id', v_backup.id, 'taken_at', v_backup.taken_at,
                                       'local_date', v_backup.local_date, 'size_bytes', v_backup.size_bytes,
                                       'counts', v_backup.counts);
end
$$;

-- Owner only: the snapshot of one backup, the JSON document the owner downloads.
create or replace function public.backup_document(p_backup_id bigint)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_snapshot jsonb;
begin
  perform app.require_owner('backup_document');
  select b.snapshot into v_snapshot from public.backups b where b.id = p_backup_id;
  if not found then perform app.raise_not_found('backup', coalesce(p_backup_id::text, 'null')); end if;
  return v_snapshot;
end
$$;

-- The columns of `p_table` a snapshot restores: those of the table (not generated) that the
-- snapshot's rows carry. A column added after the backup was taken gets its default.
create or replace function app.backup_columns(p_table regclass, p_rows jsonb)
returns text[]
language sql
stable
set search_path = ''
as $$
  select coalesce(array_agg(a.attname::text order by a.attnum), '{}'::text[])
    from pg_catalog.pg_attribute a
   where a.attrelid = p_table and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
     and exists (select 1 from pg_catalog.jsonb_array_elements(p_rows) as r(x) where r.x ? a.attname::text)
$$;

-- Makes `public.<p_table>` hold exactly the rows of p_rows that are missing or differ (ids kept):
-- inserts the missing ones (overriding system value), updates those whose columns other than
-- p_ignore differ. updated_at (and institutions.revision) are left to the triggers of
-- 0003_sync.sql: the time of this write, and a revision that moves forward. Rows not in the
-- snapshot were deleted before. Returns {"inserted", "updated"}.
create or replace function app.restore_rows(p_table text, p_rows jsonb, p_ignore text[])
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_cols text[] := app.backup_columns(format('public.%I', p_table)::regclass, p_rows);
  v_set text[];
  v_inserted bigint;
  v_updated bigint;
begin
  if pg_catalog.jsonb_array_length(p_rows) = 0 then
    return pg_catalog.jsonb_build_object('inserted', 0, 'updated', 0);
  end if;
  if not ('id' = any (v_cols)) then
    raise exception using errcode = '22023', message = format('the snapshot''s %s have no id', p_table);
  end if;
  select coalesce(array_agg(c order by n), '{}') into v_set
    from unnest(v_cols) with ordinality as u(c, n)
   where c <> 'id' and not (c = any (p_ignore));

  execute format(
    'insert into public.%1$I (%2$s) overriding system value
     select %3$s from pg_catalog.jsonb_populate_recordset(null::public.%1$I, $1) s
      where not exists (select 1 from public.%1$I t where t.id = s.id)
      order by s.id',
    p_table,
    (select string_agg(format('%I', c), ', ' order by n) from unnest(v_cols) with ordinality as u(c, n)),
    (select string_agg(case when c = 'updated_at' then 'pg_catalog.now()' else format('s.%I', c) end, ', ' order by n)
       from unnest(v_cols) with ordinality as u(c, n)))
    using p_rows;
  get diagnostics v_inserted = row_count;

  if cardinality(v_set) > 0 then
    execute format(
      'update public.%1$I t set (%2$s) = row(%3$s)
         from pg_catalog.jsonb_populate_recordset(null::public.%1$I, $1) s
        where t.id = s.id and (%4$s) is distinct from (%3$s)',
      p_table,
      (select string_agg(format('%I', c), ', ' order by n) from unnest(v_set) with ordinality as u(c, n)),
      (select string_agg(format('s.%I', c), ', ' order by n) from unnest(v_set) with ordinality as u(c, n)),
      (select string_agg(format('t.%I', c), ', ' order by n) from unnest(v_set) with ordinality as u(c, n)))
      using p_rows;
    get diagnostics v_updated = row_count;
  else
    v_updated := 0;
  end if;
  return pg_catalog.jsonb_build_object('inserted', v_inserted, 'updated', v_updated);
end
$$;

-- Moves the identity sequence of public.<p_table>.id past the largest id (never backwards), so
-- that rows created after a restore do not collide with restored ids.
create or replace function app.restore_sequence(p_table text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_seq text := pg_catalog.pg_get_serial_sequence(format('public.%I', p_table), 'id');
  v_max bigint;
  v_last bigint;
  v_called boolean;
begin
  if v_seq is null then
    return;
  end if;
  execute format('select max(t.id) from public.%I t', p_table) into v_max;
  execute format('select s.last_value, s.is_called from %s s', v_seq) into v_last, v_called;
  if v_max is not null and (v_max > v_last or (v_max = v_last and not v_called)) then
    perform pg_catalog.setval(v_seq, v_max, true);
  end if;
end
$$;

-- Owner only: makes the synced data exactly the backup's, in one transaction.
--  (a) takes a `pre_restore` backup of the current data (a restore can itself be undone; it is
--      subject to max_bytes like any backup);
--  (b) cities, institutions, employees: rows not in the snapshot are deleted (hard: the pre-restore
--      backup keeps them; institution roles of a deleted institution go with it), missing rows are
--      inserted with their ids, differing rows updated; every column comes back as it was except
--      updated_at (the time of the restore, for the rows it wrote) and institutions.revision,
--      which only moves forward (a reset prepared before the restore must fail, never match);
--  (c) archives: every current row is kept (append-only history with objects in Storage); the
--      snapshot's rows that are missing are inserted again when their object is still in bucket
--      `arhiva` (a city or institution that no longer exists becomes null, as on delete);
--  (d) one audit entry `restore_backup`; (e) exactly one version bump whose broadcast says that
--      everything changed (structure and every institution).
-- The synced tables are locked (EXCLUSIVE: reads go on, writes wait) for the duration, so no
-- change slips between the pre-restore backup and the restore. Returns {"version", "data_hash",
-- "backup_id", "pre_restore_backup_id", "counts"}.
create or replace function public.restore_backup(p_backup_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_backup public.backups;
  v_snap jsonb;
  v_pre bigint;
  v_before jsonb;
  v_inst_ids text[];
  v_deleted jsonb;
  v_n_emp bigint;
  v_n_inst bigint;
  v_n_city bigint;
  v_cities jsonb;
  v_insts jsonb;
  v_emps jsonb;
  v_archives_restored bigint;
  v_archives_missing bigint;
  v_counts jsonb;
  v_result jsonb;
begin
  v_uid := app.require_owner('restore_backup');
  select * into v_backup from public.backups b where b.id = p_backup_id for update;
  if not found then perform app.raise_not_found('backup', coalesce(p_backup_id::text, 'null')); end if;
  v_snap := v_backup.snapshot;
  if v_snap ->> 'format' is distinct from 'punctaj-backup' or v_snap -> 'format_version' is distinct from '1'::jsonb
     or pg_catalog.jsonb_typeof(v_snap -> 'cities') is distinct from 'array'
     or pg_catalog.jsonb_typeof(v_snap -> 'institutions') is distinct from 'array'
     or pg_catalog.jsonb_typeof(v_snap -> 'employees') is distinct from 'array'
     or pg_catalog.jsonb_typeof(v_snap -> 'archives') is distinct from 'array' then
    raise exception using errcode = '22023',
      message = format('backup %s is not a punctaj-backup format 1 snapshot; nothing was restored', v_backup.id);
  end if;

  -- Writers of synced data wait until this commits; readers go on.
  lock table public.cities, public.institutions, public.employees, public.archives in exclusive mode;

  v_before := app.current_version();
  v_pre := app.take_backup('pre_restore', v_uid, pg_catalog.clock_timestamp());

  -- Every institution before and after: the broadcast says all of them changed.
  select coalesce(array_agg(distinct 'institution:' || x.id::text), '{}') into v_inst_ids
    from (select i.id from public.institutions i
          union select (r.x ->> 'id')::bigint from pg_catalog.jsonb_array_elements(v_snap -> 'institutions') as r(x)) x;
  v_cities := v_snap -> 'cities';
  v_insts := v_snap -> 'institutions';
  v_emps := v_snap -> 'employees';

  -- (b) Rows not in the snapshot, children first.
  delete from public.employees e
   where not exists (select 1 from pg_catalog.jsonb_to_recordset(v_emps) as s(id uuid) where s.id = e.id);
  get diagnostics v_n_emp = row_count;
  delete from public.institutions i
   where not exists (select 1 from pg_catalog.jsonb_to_recordset(v_insts) as s(id bigint) where s.id = i.id);
  get diagnostics v_n_inst = row_count;
  delete from public.cities c
   where not exists (select 1 from pg_catalog.jsonb_to_recordset(v_cities) as s(id bigint) where s.id = c.id);
  get diagnostics v_n_city = row_count;
  v_deleted := pg_catalog.jsonb_build_object('cities', v_n_city, 'institutions', v_n_inst, 'employees', v_n_emp);

  -- Live rows whose name (or city) changes step out of the live-name indexes first, so that two
  -- names swapped since the backup do not collide while the rows are written one by one.
  update public.cities c set deleted_at = pg_catalog.now()
    from pg_catalog.jsonb_to_recordset(v_cities) as s(id bigint, name text, deleted_at timestamptz)
   where c.id = s.id and c.deleted_at is null and (c.name, c.deleted_at) is distinct from (s.name, s.deleted_at);
  update public.institutions i set deleted_at = pg_catalog.now()
    from pg_catalog.jsonb_to_recordset(v_insts) as s(id bigint, city_id bigint, name text, deleted_at timestamptz)
   where i.id = s.id and i.deleted_at is null
     and (i.city_id, i.name, i.deleted_at) is distinct from (s.city_id, s.name, s.deleted_at);

  v_counts := pg_catalog.jsonb_build_object(
    'cities', app.restore_rows('cities', v_cities, array['updated_at', 'row_version']),
    'institutions', app.restore_rows('institutions', v_insts, array['updated_at', 'revision', 'row_version']),
    'employees', app.restore_rows('employees', v_emps, array['updated_at', 'row_version']),
    'deleted', v_deleted);

  -- (c) Archives: the snapshot's rows that are missing, when their object is still stored.
  with missing as (
    select s.*
      from pg_catalog.jsonb_populate_recordset(null::public.archives, v_snap -> 'archives') s
     where not exists (select 1 from public.archives a where a.id = s.id or a.object_path = s.object_path)
  ), restored as (
    insert into public.archives (id, object_path, city_id, institution_id, city_name, institution_name,
                                 archived_at, reset_by, reset_by_name, employee_count, total_points,
                                 created_at, after_reset)
    overriding system value
    select m.id, m.object_path,
           case when exists (select 1 from public.cities c where c.id = m.city_id) then m.city_id end,
           case when exists (select 1 from public.institutions i where i.id = m.institution_id) then m.institution_id end,
           m.city_name, m.institution_name, m.archived_at, m.reset_by, m.reset_by_name,
           coalesce(m.employee_count, 0), coalesce(m.total_points, 0), coalesce(m.created_at, pg_catalog.now()),
           coalesce(m.after_reset, false)
      from missing m
     where exists (select 1 from storage.objects o where o.bucket_id = 'arhiva' and o.name = m.object_path)
     order by m.id
    on conflict do nothing
    returning 1
  )
  select (select count(*) from restored), (select count(*) from missing) - (select count(*) from restored)
    into v_archives_restored, v_archives_missing;
  v_counts := v_counts || pg_catalog.jsonb_build_object(
    'archives', pg_catalog.jsonb_build_object('restored', v_archives_restored, 'object_missing', v_archives_missing));

  -- No reset can be undone across a restore: its recorded scores belong to data the restore has
  -- just replaced (0009_reset_undo.sql); undoing it would add them on top of the restored ones.
  update public.archives a set undoable = false where a.undoable;

  perform app.restore_sequence('cities');
  perform app.restore_sequence('institutions');
  perform app.restore_sequence('employees');
  perform app.restore_sequence('archives');

  -- (e) One bump; everything changed.
  perform app.note_changed_scopes(array['structure'] || v_inst_ids);
  v_result := app.bump_version(pg_catalog.jsonb_build_object(
    'action', 'restore_backup', 'backup_id', v_backup.id, 'local_date', v_backup.local_date,
    'taken_at', v_backup.taken_at, 'kind', v_backup.kind, 'pre_restore_backup_id', v_pre,
    'count', pg_catalog.jsonb_array_length(v_emps)));

  update public.backups b
     set restored_at = pg_catalog.now(), restored_by = v_uid, restored_by_name = app.actor_name(v_uid)
   where b.id = v_backup.id;

  -- (d) The audit entry.
  perform app.audit('restore_backup', 'backup', v_backup.id::text, v_backup.local_date::text, null, null,
                    v_before || pg_catalog.jsonb_build_object('pre_restore_backup_id', v_pre),
                    v_result || pg_catalog.jsonb_build_object(
                      'backup_id', v_backup.id, 'local_date', v_backup.local_date, 'taken_at', v_backup.taken_at,
                      'kind', v_backup.kind, 'backup_version', v_backup.version, 'backup_counts', v_backup.counts,
                      'changes', v_counts),
                    format('restored backup %s (%s, %s, version %s): %s cities, %s institutions, %s employees; '
                           'the data before is backup %s',
                           v_backup.id, v_backup.kind, v_backup.local_date, v_backup.version,
                           pg_catalog.jsonb_array_length(v_cities), pg_catalog.jsonb_array_length(v_insts),
                           pg_catalog.jsonb_array_length(v_emps), v_pre));

  return v_result || pg_catalog.jsonb_build_object('backup_id', v_backup.id, 'pre_restore_backup_id', v_pre,
                                                   'counts', v_counts);
end
$$;

revoke execute on function app.require_owner(text) from public, anon, authenticated, service_role;
revoke execute on function app.format_bytes(bigint) from public, anon, authenticated, service_role;
revoke execute on function app.backup_settings() from public, anon, authenticated, service_role;
revoke execute on function app.backup_job() from public, anon, authenticated, service_role;
revoke execute on function app.take_backup(text, uuid, timestamptz) from public, anon, authenticated, service_role;
revoke execute on function app.scheduled_backup(timestamptz) from public, anon, authenticated, service_role;
revoke execute on function app.backup_columns(regclass, jsonb) from public, anon, authenticated, service_role;
revoke execute on function app.restore_rows(text, jsonb, text[]) from public, anon, authenticated, service_role;
revoke execute on function app.restore_sequence(text) from public, anon, authenticated, service_role;
revoke execute on function public.set_backup_settings(text, integer, bigint) from public, anon, service_role;
revoke execute on function public.backup_now() from public, anon, service_role;
revoke execute on function public.backup_document(bigint) from public, anon, service_role;
revoke execute on function public.restore_backup(bigint) from public, anon, service_role;
grant execute on function public.set_backup_settings(text, integer, bigint) to authenticated;
grant execute on function public.backup_now() to authenticated;
grant execute on function public.backup_document(bigint) to authenticated;
grant execute on function public.restore_backup(bigint) to authenticated;

-- 5. The pg_cron job ------------------------------------------------------------------------------
-- On Supabase pg_cron is an extension of this very database (`postgres`): schedule the job here.
-- pg_cron 1.4's cron.schedule(job_name, …) updates the job of that name (schedule and command),
-- so a second run changes nothing. Elsewhere (the local cluster keeps pg_cron in the database
-- `postgres`, the app in `punctaj`) scripts/local-backend.sh runs sql/local/schedule_backups.sql.
do $$
declare
  j record;
begin
  select * into j from app.backup_job();
  if exists (select 1 from pg_catalog.pg_extension e where e.extname = 'pg_cron') then
    execute 'select cron.schedule($1, $2, $3)' using j.job_name, j.schedule, j.command;
  else
    raise notice 'punctaj: pg_cron is not installed in database %: schedule "%" (%) from the database pg_cron uses, e.g. psql -d postgres -v db=% -f sql/local/schedule_backups.sql',
      pg_catalog.current_database(), j.command, j.schedule, pg_catalog.current_database();
  end if;
end
$$;
