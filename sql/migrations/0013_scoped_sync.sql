-- 0013_scoped_sync.sql — per-scope versions and hashes, row change versions, delta sync.
--
-- The synced data is split into scopes (punctaj_core::scope): `structure` (live cities and live
-- institutions: names, cities, ranks, columns) and `institution:<id>` (its points time and its
-- live employees; its archives move its version). Each scope has a version and the hash of its
-- canonical document (docs/canonical-hash.md, v2); sync_metadata.data_hash is the hash of the
-- ordered list of (scope, hash). A bump recomputes only the scopes its transaction noted
-- (0006's statement triggers), so its cost no longer grows with the whole dataset.
--
-- Every synced row carries sync_version, the version at which it last changed: written as null
-- (pending) by any insert or update, stamped by the bump. Soft-deleted rows stay as tombstones;
-- a hard delete or a truncate loses them, so the bump then raises sync_metadata.delta_floor and
-- deltas from older versions are refused (the client downloads everything).
--
-- Twins in Rust (tested against these on real PostgreSQL): app.structure_document,
-- app.institution_document, app.scope_hash, app.compute_data_hash ↔ punctaj_core::canonical.
-- v1's app.canonical_document() (0003) is kept unchanged: `make bench` times it as the formula
-- every bump paid before this migration. Idempotent.

-- 1. Columns and the scope table ------------------------------------------------------------------
alter table public.cities add column if not exists sync_version bigint;
alter table public.institutions add column if not exists sync_version bigint;
alter table public.employees add column if not exists sync_version bigint;
alter table public.sync_metadata add column if not exists delta_floor bigint not null default 0;

create index if not exists cities_pending_idx on public.cities (id) where sync_version is null;
create index if not exists institutions_pending_idx on public.institutions (id) where sync_version is null;
create index if not exists employees_pending_idx on public.employees (id) where sync_version is null;
create index if not exists cities_sync_version_idx on public.cities (sync_version);
create index if not exists institutions_sync_version_idx on public.institutions (sync_version);
create index if not exists employees_scope_sync_version_idx on public.employees (institution_id, sync_version);

create table if not exists public.sync_scopes (
  scope text primary key,
  -- null for `structure`
  institution_id bigint unique,
  -- the version at which the scope last changed
  version bigint not null,
  -- null once the scope is gone (its institution deleted): a tombstone
  hash char(64),
  updated_at timestamptz not null default now(),
  constraint sync_scopes_scope_check check (
    (scope = 'structure' and institution_id is null)
    or (scope = 'institution:' || institution_id::text))
);
alter table public.sync_scopes enable row level security;
drop policy if exists sync_scopes_read on public.sync_scopes;
create policy sync_scopes_read on public.sync_scopes
  for select to authenticated using ((select app.can('read')));
revoke all on table public.sync_scopes from public, anon, authenticated;
grant select on table public.sync_scopes to authenticated;
grant all on table public.sync_scopes to service_role;

-- 2. The canonical documents (docs/canonical-hash.md, v2) ---------------------------------------------
-- The escaping of a text token: backslash first, then TAB, LF, CR.
create or replace function app.canonical_text(p_text text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           coalesce(p_text, ''), '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r')
$$;

create or replace function app.canonical_instant(p_at timestamptz)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')
$$;

create or replace function app.sha256_hex(p_text text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_text, 'UTF8')), 'hex')
$$;

create or replace function app.structure_document()
returns text
language sql
stable
set search_path = ''
as $$
  select 'punctaj-structure v2' || E'\n'
    || coalesce((select string_agg('city' || E'\t' || c.id::text || E'\t' || app.canonical_text(c.name) || E'\n',
                                   '' order by c.id)
                   from public.cities c where c.deleted_at is null), '')
    || coalesce((select string_agg(
                          'institution' || E'\t' || i.id::text || E'\t' || i.city_id::text
                          || E'\t' || app.canonical_text(i.name)
                          || E'\t' || coalesce(cardinality(i.ranks), 0)::text
                          || coalesce((select string_agg(E'\t' || app.canonical_text(rk.v), '' order by rk.n)
                                         from unnest(i.ranks) with ordinality as rk(v, n)), '')
                          || E'\t' || coalesce(cardinality(i.columns), 0)::text
                          || coalesce((select string_agg(E'\t' || app.canonical_text(ck.v), '' order by ck.n)
                                         from unnest(i.columns) with ordinality as ck(v, n)), '')
                          || E'\n', '' order by i.id)
                   from public.institutions i where i.deleted_at is null), '')
$$;

-- An institution's document; null unless it is live. Its employees' custom fields are written
-- the general way (every key, sorted bytewise): an institution has tens of members, not
-- thousands, so 0003's per-column-set fast path is not needed here.
create or replace function app.institution_document(p_institution_id bigint)
returns text
language sql
stable
set search_path = ''
as $$
  select 'punctaj-institution v2' || E'\t' || i.id::text || E'\n'
      || 'points' || E'\t' || app.canonical_instant(i.last_points_change_at) || E'\n'
      || coalesce((select string_agg(
                            'employee' || E'\t' || e.id::text || E'\t' || e.institution_id::text
                            || E'\t' || e.rank::text || E'\t' || e.punctaj::text
                            || E'\t' || app.canonical_instant(e.ultima_mod)
                            || (select E'\t' || count(*)::text
                                       || coalesce(string_agg(E'\t' || app.canonical_text(f.key)
                                                              || E'\t' || app.canonical_text(f.value),
                                                              '' order by f.key collate "C"), '')
                                  from jsonb_each_text(e.fields) as f(key, value))
                            || E'\n', '' order by e.id)
                     from public.employees e
                    where e.institution_id = i.id and e.deleted_at is null), '')
    from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null
$$;

-- A scope's hash now, from the tables; null when the scope is gone (or not a scope id).
create or replace function app.scope_hash(p_scope text)
returns text
language sql
stable
set search_path = ''
as $$
  select case
           when p_scope = 'structure' then app.sha256_hex(app.structure_document())
           when p_scope ~ '^institution:(0|[1-9][0-9]{0,17})$'
             then app.sha256_hex(app.institution_document(pg_catalog.substr(p_scope, 13)::bigint))
         end
$$;

-- The global document's hash of a list of scopes in order (structure first, then by id).
create or replace function app.global_hash_of(p_scopes text[], p_hashes text[])
returns text
language sql
immutable
set search_path = ''
as $$
  select app.sha256_hex('punctaj-data v2' || E'\n'
           || coalesce((select string_agg(s.scope || E'\t' || s.hash || E'\n', '' order by s.n)
                          from unnest(p_scopes, p_hashes) with ordinality as s(scope, hash, n)), ''))
$$;

-- The global hash from the stored scope hashes (what a bump writes).
create or replace function app.global_hash_from_scopes()
returns text
language sql
stable
set search_path = ''
as $$
  select app.global_hash_of(coalesce(array_agg(s.scope order by s.institution_id nulls first), '{}'),
                            coalesce(array_agg(pg_catalog.btrim(s.hash) order by s.institution_id nulls first), '{}'))
    from public.sync_scopes s
   where s.hash is not null
$$;

-- A fresh recomputation of data_hash from the tables alone: the truth the stored scope hashes
-- are tested against.
create or replace function app.compute_data_hash()
returns text
language sql
stable
set search_path = ''
as $$
  with scopes as (
    select 0 as n, 'structure' as scope, app.scope_hash('structure') as hash
    union all
    select i.id, 'institution:' || i.id::text, app.sha256_hex(app.institution_document(i.id))
      from public.institutions i where i.deleted_at is null
  )
  select app.global_hash_of(coalesce(array_agg(scope order by n), '{}'), coalesce(array_agg(hash order by n), '{}'))
    from scopes
$$;

-- 3. Recomputing scopes --------------------------------------------------------------------------
-- Stores a scope's hash; its version moves to p_version when the scope was noted as changed
-- (rows or archives of it moved, even if its hash did not) or when its hash changed.
create or replace function app.put_scope(p_scope text, p_institution_id bigint, p_hash text,
                                         p_version bigint, p_noted boolean)
returns void
language sql
volatile
set search_path = ''
as $$
  insert into public.sync_scopes as s (scope, institution_id, version, hash, updated_at)
  values (p_scope, p_institution_id, p_version, p_hash, pg_catalog.now())
  on conflict (scope) do update
     set version = case when p_noted or s.hash is distinct from excluded.hash then excluded.version
                        else s.version end,
         hash = excluded.hash,
         updated_at = case when p_noted or s.hash is distinct from excluded.hash then excluded.updated_at
                           else s.updated_at end
$$;

-- The scopes a bump recomputes: the noted ones; with `structure` noted, also the set of
-- institution scopes (created ones get a row, gone ones a tombstone); with nothing noted (force
-- sync, a truncate, this migration), every scope.
create or replace function app.refresh_scopes(p_scopes text[], p_version bigint)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_all boolean := coalesce(cardinality(p_scopes), 0) = 0;
  v_scope text;
  v_id bigint;
begin
  if v_all or 'structure' = any (p_scopes) then
    perform app.put_scope('structure', null, app.scope_hash('structure'), p_version, not v_all);
    -- Live institutions without a live scope (created, restored) and, with nothing noted, all.
    for v_id in
      select i.id from public.institutions i
       where i.deleted_at is null
         and (v_all or not exists (select 1 from public.sync_scopes s
                                    where s.institution_id = i.id and s.hash is not null))
    loop
      perform app.put_scope('institution:' || v_id::text, v_id,
                            app.sha256_hex(app.institution_document(v_id)), p_version, not v_all);
    end loop;
    -- Live scopes whose institution is gone.
    for v_id in
      select s.institution_id from public.sync_scopes s
       where s.hash is not null and s.institution_id is not null
         and not exists (select 1 from public.institutions i
                          where i.id = s.institution_id and i.deleted_at is null)
    loop
      perform app.put_scope('institution:' || v_id::text, v_id, null, p_version, true);
    end loop;
  end if;
  foreach v_scope in array coalesce(p_scopes, '{}'::text[]) loop
    if v_scope ~ '^institution:(0|[1-9][0-9]{0,17})$' then
      v_id := pg_catalog.substr(v_scope, 13)::bigint;
      -- A scope of an institution that never existed is not created.
      if exists (select 1 from public.institutions i where i.id = v_id)
         or exists (select 1 from public.sync_scopes s where s.institution_id = v_id) then
        perform app.put_scope(v_scope, v_id, app.scope_hash(v_scope), p_version, true);
      end if;
    end if;
  end loop;
end
$$;

-- 4. Row change versions ---------------------------------------------------------------------------
-- BEFORE INSERT OR UPDATE (row): a changed row is pending until its transaction's bump stamps it.
-- Only the bump (punctaj.stamping = on) writes a version, so no client can forge one.
create or replace function app.tg_sync_version_pending()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if pg_catalog.current_setting('punctaj.stamping', true) is distinct from 'on' then
    new.sync_version := null;
  end if;
  return new;
end
$$;

-- AFTER DELETE / TRUNCATE (statement): tombstones were lost, deltas from before must be refused.
create or replace function app.tg_delta_floor_raise()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.set_config('punctaj.delta_floor_raise', 'on', true);
  return null;
end
$$;

-- 0003's BEFORE UPDATE trigger, unchanged except that the bump's stamping is not a change: it
-- must move neither updated_at nor an institution's revision.
create or replace function app.tg_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_done bigint[];
begin
  if pg_catalog.current_setting('punctaj.stamping', true) = 'on' then
    return new;
  end if;
  new.updated_at := now();
  if tg_table_name = 'institutions' then
    v_done := coalesce(nullif(pg_catalog.current_setting('punctaj.revised', true), ''), '{}')::bigint[];
    if old.id = any (v_done) then
      new.revision := old.revision;
    else
      new.revision := old.revision + 1;
      perform pg_catalog.set_config('punctaj.revised', array_append(v_done, old.id)::text, true);
    end if;
  end if;
  return new;
end
$$;

-- 0003's AFTER (statement) trigger, unchanged except that the bump's stamping is ignored (it
-- would clear the bumped flag and touch institutions).
create or replace function app.tg_after_statement()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_done bigint[];
  v_ids bigint[];
begin
  if pg_catalog.current_setting('punctaj.stamping', true) = 'on' then
    return null;
  end if;
  perform pg_catalog.set_config('punctaj.version_bumped', '', true);
  if tg_table_name = 'employees' then
    if tg_op = 'INSERT' then
      select array_agg(distinct n.institution_id) into v_ids from new_rows n;
    elsif tg_op = 'UPDATE' then
      select array_agg(distinct x.institution_id) into v_ids
        from (select n.institution_id from new_rows n
              union select o.institution_id from old_rows o) x;
    elsif tg_op = 'DELETE' then
      select array_agg(distinct o.institution_id) into v_ids from old_rows o;
    end if;
    v_done := coalesce(nullif(pg_catalog.current_setting('punctaj.revised', true), ''), '{}')::bigint[];
    if v_ids is not null then
      update public.institutions i
         set updated_at = now()
       where i.id = any (v_ids) and not (i.id = any (v_done));
    end if;
  end if;
  return null;
end
$$;

-- 0006's scope notes, unchanged except that the bump's stamping notes nothing, and that an
-- institution row whose only changes are bookkeeping (row_version, sync_version besides 0006's
-- last_points_change_at, updated_at, revision) belongs to its own scope, not the structure.
create or replace function app.tg_note_changed_scopes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  c_own constant text[] := array['last_points_change_at', 'updated_at', 'revision', 'row_version', 'sync_version'];
  v_scopes text[];
begin
  if pg_catalog.current_setting('punctaj.stamping', true) = 'on' then
    return null;
  end if;
  if tg_table_name = 'cities' then
    if tg_op = 'DELETE' then
      perform 1 from old_rows limit 1;
    else
      perform 1 from new_rows limit 1;
    end if;
    if found then
      v_scopes := array['structure'];
    end if;
  elsif tg_table_name = 'institutions' then
    if tg_op = 'UPDATE' then
      select array_agg(distinct case
               when o.id is null
                 or (pg_catalog.to_jsonb(n) - c_own) is distinct from (pg_catalog.to_jsonb(o) - c_own)
               then 'structure' else 'institution:' || n.id::text end)
        into v_scopes
        from new_rows n left join old_rows o on o.id = n.id;
    elsif tg_op = 'INSERT' then
      perform 1 from new_rows limit 1;
      if found then
        v_scopes := array['structure'];
      end if;
    else
      perform 1 from old_rows limit 1;
      if found then
        v_scopes := array['structure'];
      end if;
    end if;
  elsif tg_op = 'INSERT' then
    select array_agg(distinct 'institution:' || n.institution_id::text) into v_scopes
      from new_rows n where n.institution_id is not null;
  elsif tg_op = 'UPDATE' then
    select array_agg(distinct x.s) into v_scopes
      from (select 'institution:' || n.institution_id::text as s from new_rows n where n.institution_id is not null
            union select 'institution:' || o.institution_id::text from old_rows o where o.institution_id is not null) x;
  else
    select array_agg(distinct 'institution:' || o.institution_id::text) into v_scopes
      from old_rows o where o.institution_id is not null;
  end if;
  if v_scopes is not null then
    perform app.note_changed_scopes(v_scopes);
  end if;
  return null;
end
$$;

-- 5. The bump ----------------------------------------------------------------------------------------
-- 0003's contract: lock the version row first, then compute, so version N's hash is exactly the
-- data after the changes numbered ≤ N. Now: stamp the transaction's pending rows with N,
-- recompute the noted scopes, take the global hash from the stored scope hashes, raise the delta
-- floor after a hard delete. The bumped flag is set last: the stamping updates are statements on
-- synced tables, and 0003's statement trigger clears the flag on every such statement.
create or replace function app.bump_version(change jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_hash text;
  v_version bigint;
  v_scopes text[];
  v_raise boolean;
begin
  -- Updating a row this transaction wrote makes PostgreSQL check its foreign key again, which
  -- takes a key-share lock on the parent row (the institution, the city). Taking those locks now,
  -- before the version lock, keeps the order every RPC uses (rows first, version last): taken
  -- while holding the version lock, they deadlock with an RPC that holds the parent and waits for
  -- the version. The second update below then finds them held.
  perform pg_catalog.set_config('punctaj.stamping', 'on', true);
  update public.institutions i set sync_version = null where i.sync_version is null;
  update public.employees e set sync_version = null where e.sync_version is null;
  perform pg_catalog.set_config('punctaj.stamping', '', true);

  perform 1 from public.sync_metadata m where m.sync_key = 'global_version' for update;
  if not found then
    insert into public.sync_metadata (sync_key, version, data_hash, last_modified_by)
    values ('global_version', 0, null, 'system')
    on conflict (sync_key) do nothing;
    perform 1 from public.sync_metadata m where m.sync_key = 'global_version' for update;
  end if;
  select m.version + 1 into v_version from public.sync_metadata m where m.sync_key = 'global_version';
  v_scopes := coalesce(nullif(pg_catalog.current_setting('punctaj.changed_scopes', true), ''), '{}')::text[];
  v_raise := pg_catalog.current_setting('punctaj.delta_floor_raise', true) = 'on';

  perform pg_catalog.set_config('punctaj.stamping', 'on', true);
  update public.cities c set sync_version = v_version where c.sync_version is null;
  update public.institutions i set sync_version = v_version where i.sync_version is null;
  update public.employees e set sync_version = v_version where e.sync_version is null;
  perform pg_catalog.set_config('punctaj.stamping', '', true);

  perform app.refresh_scopes(v_scopes, v_version);
  v_hash := app.global_hash_from_scopes();

  update public.sync_metadata m
     set version = v_version,
         data_hash = v_hash,
         delta_floor = case when v_raise then v_version else m.delta_floor end,
         last_modified_by = case when v_uid is null then 'system' else app.actor_name(v_uid) end,
         last_modified_by_id = v_uid,
         last_change = coalesce(change, '{}'::jsonb),
         last_modified_at = now(),
         updated_at = now()
   where m.sync_key = 'global_version';

  perform pg_catalog.set_config('punctaj.delta_floor_raise', '', true);
  perform pg_catalog.set_config('punctaj.version_bumped', 'on', true);
  return jsonb_build_object('version', v_version, 'data_hash', v_hash);
end
$$;

-- 6. Reading changes -----------------------------------------------------------------------------------
-- The cloud's version, hash and delta floor with the scopes changed after p_since (tombstones
-- included), read in one snapshot. SECURITY INVOKER: row-level security decides, like a GET.
create or replace function public.sync_changes(p_since bigint)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  -- The service key (and the database owner in the SQL editor) read everything, as with a GET.
  if not (app.can('read') or current_user in ('service_role', 'postgres')) then
    raise exception using errcode = '42501', message = 'sync_changes: this account has no access to the data';
  end if;
  return (
    select jsonb_build_object(
             'version', m.version,
             'data_hash', pg_catalog.btrim(m.data_hash),
             'delta_floor', m.delta_floor,
             'scopes', coalesce((select jsonb_agg(jsonb_build_object('scope', s.scope, 'version', s.version,
                                                                     'hash', pg_catalog.btrim(s.hash))
                                                  order by s.institution_id nulls first)
                                   from public.sync_scopes s
                                  where s.version > coalesce(p_since, 0)), '[]'::jsonb))
      from public.sync_metadata m
     where m.sync_key = 'global_version');
end
$$;

-- The rows changed since the versions the client holds per scope (p_since: {"structure": 41,
-- "institution:3": 41, "institution:9": 0}; 0 = nothing of that scope yet: its live rows), with
-- every live scope's stamp, in one snapshot; or why a delta cannot be served. Row objects carry
-- exactly the columns the app reads (src/api/snapshot.rs).
create or replace function public.sync_delta(p_since jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_meta record;
  v_bad text;
  v_structure bigint;
  v_ids bigint[];
  v_sinces bigint[];
  v_refusal text;
begin
  -- The service key (and the database owner in the SQL editor) read everything, as with a GET.
  if not (app.can('read') or current_user in ('service_role', 'postgres')) then
    raise exception using errcode = '42501', message = 'sync_delta: this account has no access to the data';
  end if;
  if p_since is null or pg_catalog.jsonb_typeof(p_since) <> 'object' then
    raise exception using errcode = '22023',
      message = 'p_since must be an object of scope ids to versions, e.g. {"structure": 41, "institution:3": 41}';
  end if;
  select e.key into v_bad
    from pg_catalog.jsonb_each(p_since) as e(key, value)
   where not (e.key = 'structure' or e.key ~ '^institution:(0|[1-9][0-9]{0,17})$')
      or pg_catalog.jsonb_typeof(e.value) <> 'number'
      or e.value::text !~ '^(0|[1-9][0-9]{0,17})$'
   limit 1;
  if v_bad is not null then
    raise exception using errcode = '22023',
      message = format('p_since: %s is not a scope id with a whole, non-negative version', v_bad);
  end if;

  select m.version, pg_catalog.btrim(m.data_hash) as data_hash, m.delta_floor into v_meta
    from public.sync_metadata m where m.sync_key = 'global_version';
  if not (p_since ? 'structure') then
    v_refusal := 'the request names no structure version';
  elsif exists (select 1 from pg_catalog.jsonb_each_text(p_since) as e(key, value)
                 where e.value::bigint > v_meta.version) then
    v_refusal := format('the version went backwards: the cloud is at version %s, older than this copy', v_meta.version);
  elsif exists (select 1 from pg_catalog.jsonb_each_text(p_since) as e(key, value)
                 where e.value::bigint > 0 and e.value::bigint < v_meta.delta_floor) then
    v_refusal := format('the cloud was restored or rebuilt at version %s', v_meta.delta_floor);
  end if;
  if v_refusal is not null then
    return jsonb_build_object('full_required', true, 'reason', v_refusal,
                              'version', v_meta.version, 'data_hash', v_meta.data_hash);
  end if;

  v_structure := (p_since ->> 'structure')::bigint;
  select coalesce(array_agg(pg_catalog.substr(e.key, 13)::bigint), '{}'),
         coalesce(array_agg(e.value::bigint), '{}')
    into v_ids, v_sinces
    from pg_catalog.jsonb_each_text(p_since) as e(key, value)
   where e.key like 'institution:%';

  return jsonb_build_object(
    'version', v_meta.version,
    'data_hash', v_meta.data_hash,
    'delta_floor', v_meta.delta_floor,
    'scopes', coalesce((select jsonb_agg(jsonb_build_object('scope', s.scope, 'version', s.version,
                                                            'hash', pg_catalog.btrim(s.hash))
                                         order by s.institution_id nulls first)
                          from public.sync_scopes s where s.hash is not null), '[]'::jsonb),
    'cities', coalesce((select jsonb_agg(jsonb_build_object(
                                  'id', c.id, 'name', c.name, 'row_version', c.row_version,
                                  'created_at', c.created_at, 'updated_at', c.updated_at,
                                  'deleted_at', c.deleted_at) order by c.id)
                          from public.cities c
                         where c.sync_version > v_structure
                           and (v_structure > 0 or c.deleted_at is null)), '[]'::jsonb),
    'institutions', coalesce((select jsonb_agg(jsonb_build_object(
                                  'id', i.id, 'city_id', i.city_id, 'name', i.name, 'ranks', i.ranks,
                                  'columns', i.columns, 'last_points_change_at', i.last_points_change_at,
                                  'revision', i.revision, 'row_version', i.row_version,
                                  'created_at', i.created_at, 'updated_at', i.updated_at,
                                  'deleted_at', i.deleted_at) order by i.id)
                          from public.institutions i
                          left join unnest(v_ids, v_sinces) as h(institution_id, since)
                                 on h.institution_id = i.id
                         where (i.sync_version > v_structure and (v_structure > 0 or i.deleted_at is null))
                            or (h.since is not null and i.sync_version > h.since
                                and (h.since > 0 or i.deleted_at is null))), '[]'::jsonb),
    'employees', coalesce((select jsonb_agg(jsonb_build_object(
                                  'id', e.id, 'institution_id', e.institution_id, 'rank', e.rank,
                                  'punctaj', e.punctaj, 'ultima_mod', e.ultima_mod, 'fields', e.fields,
                                  'row_version', e.row_version, 'created_at', e.created_at,
                                  'updated_at', e.updated_at, 'deleted_at', e.deleted_at) order by e.id)
                          from unnest(v_ids, v_sinces) as h(institution_id, since)
                          join public.employees e on e.institution_id = h.institution_id
                         where e.sync_version > h.since
                           and (h.since > 0 or e.deleted_at is null)), '[]'::jsonb));
end
$$;

-- 7. Grants and triggers ---------------------------------------------------------------------------------
revoke execute on function app.canonical_text(text) from public, anon, authenticated;
revoke execute on function app.canonical_instant(timestamptz) from public, anon, authenticated;
revoke execute on function app.sha256_hex(text) from public, anon, authenticated;
revoke execute on function app.structure_document() from public, anon, authenticated;
revoke execute on function app.institution_document(bigint) from public, anon, authenticated;
revoke execute on function app.scope_hash(text) from public, anon, authenticated;
revoke execute on function app.global_hash_of(text[], text[]) from public, anon, authenticated;
revoke execute on function app.global_hash_from_scopes() from public, anon, authenticated;
revoke execute on function app.compute_data_hash() from public, anon, authenticated;
revoke execute on function app.put_scope(text, bigint, text, bigint, boolean) from public, anon, authenticated;
revoke execute on function app.refresh_scopes(text[], bigint) from public, anon, authenticated;
revoke execute on function app.tg_sync_version_pending() from public, anon, authenticated;
revoke execute on function app.tg_delta_floor_raise() from public, anon, authenticated;
revoke execute on function app.bump_version(jsonb) from public, anon, authenticated;
revoke execute on function public.sync_changes(bigint) from public, anon;
revoke execute on function public.sync_delta(jsonb) from public, anon;
grant execute on function public.sync_changes(bigint) to authenticated, service_role;
grant execute on function public.sync_delta(jsonb) to authenticated, service_role;

do $$
declare
  t text;
begin
  foreach t in array array['cities', 'institutions', 'employees'] loop
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_sync_version') then
      execute format('create trigger punctaj_sync_version before insert or update on public.%I
                        for each row execute function app.tg_sync_version_pending()', t);
    end if;
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_delta_floor_delete') then
      execute format('create trigger punctaj_delta_floor_delete after delete on public.%I
                        for each statement execute function app.tg_delta_floor_raise()', t);
    end if;
    -- Named to fire before 0003's punctaj_truncate_bump (same event, alphabetical order).
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_delta_floor_truncate') then
      execute format('create trigger punctaj_delta_floor_truncate after truncate on public.%I
                        for each statement execute function app.tg_delta_floor_raise()', t);
    end if;
  end loop;
end
$$;

-- 8. The hash rule changes now: every row stamped, every scope computed, data_hash in its v2
-- meaning. The version stays: every open client sees another hash at its next check and locks
-- (a copy saved before scopes existed always downloads everything). Only once: a second
-- application finds the v2 hash in place and changes nothing.
do $$
declare
  v_version bigint;
begin
  select m.version into v_version from public.sync_metadata m where m.sync_key = 'global_version';
  if v_version is not null
     and (not exists (select 1 from public.sync_scopes s where s.scope = 'structure')
          or (select pg_catalog.btrim(m.data_hash) from public.sync_metadata m where m.sync_key = 'global_version')
             is distinct from app.compute_data_hash()) then
    perform pg_catalog.set_config('punctaj.stamping', 'on', true);
    update public.cities c set sync_version = v_version where c.sync_version is null;
    update public.institutions i set sync_version = v_version where i.sync_version is null;
    update public.employees e set sync_version = v_version where e.sync_version is null;
    perform pg_catalog.set_config('punctaj.stamping', '', true);
    perform app.refresh_scopes('{}', v_version);
    update public.sync_metadata m
       set data_hash = app.global_hash_from_scopes(), updated_at = now()
     where m.sync_key = 'global_version';
    -- The stamping changed no data: the deferred trigger must not bump for it at commit.
    perform pg_catalog.set_config('punctaj.version_bumped', 'on', true);
  end if;
end
$$;
