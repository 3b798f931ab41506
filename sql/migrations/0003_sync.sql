-- 0003_sync.sql — archive slug, points clamp, canonical document and hash, version bump, triggers.
--
-- Twins in Rust (tested against these on real PostgreSQL): app.slug ↔ punctaj_core archive slug,
-- app.apply_points ↔ points rules, app.canonical_document / app.compute_data_hash ↔
-- punctaj_core::canonical (docs/canonical-hash.md). Idempotent.

-- app.slug: the ASCII name of a city or institution in an archive key ---------------------------
-- Latin letters with diacritics → their base letter (one character each), every maximal run of
-- characters outside [A-Za-z0-9-] → '_', '_' trimmed at both ends, '' → '_'.
create or replace function app.slug(p_name text)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select coalesce(nullif(pg_catalog.btrim(pg_catalog.regexp_replace(
           pg_catalog.translate(p_name,
             'ăâàáäãåāĂÂÀÁÄÃÅĀîìíïīÎÌÍÏĪșşśšȘŞŚŠțţȚŢéèëêēěÉÈËÊĒĚóòöôõøőÓÒÖÔÕØŐúùüûűůÚÙÜÛŰŮçćčÇĆČñńÑŃýÿÝžźżŽŹŻďđĎĐłŁřŘğĞß',
             'aaaaaaaaAAAAAAAAiiiiiIIIIIssssSSSSttTTeeeeeeEEEEEEoooooooOOOOOOOuuuuuuUUUUUUcccCCCnnNNyyYzzzZZZddDDlLrRgGs'),
           '[^A-Za-z0-9-]+', '_', 'g'), '_'), ''), '_')
$$;

-- Two names are the same name when they differ only in case, or when they would share an archive
-- folder (their slugs are equal: "Poliție" and "Politie", "Saint Denis" and "Saint_Denis").
create or replace function app.same_name(a text, b text)
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select pg_catalog.lower(a) = pg_catalog.lower(b) or app.slug(a) = app.slug(b)
$$;

-- The archive keys of one institution: `<slug(city)>/<slug(institution)>_YYYY-MM-DD_HH-MM-SS.json`
-- (UTC). The one rule behind both the storage upload policy and reset_punctaj; the Rust twin is
-- punctaj_core::archive::archive_object_key.
create or replace function app.archive_key_prefix(p_city text, p_institution text)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select app.slug(p_city) || '/' || app.slug(p_institution) || '_'
$$;

create or replace function app.is_archive_key(p_key text, p_city text, p_institution text)
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select pg_catalog.starts_with(p_key, app.archive_key_prefix(p_city, p_institution))
     and pg_catalog.substr(p_key, pg_catalog.length(app.archive_key_prefix(p_city, p_institution)) + 1)
         ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}\.json$'
$$;

-- Live names must be distinct as archive folders too (the same rule as app.same_name, enforced).
create unique index if not exists cities_live_slug_key
  on public.cities (app.slug(name)) where deleted_at is null;
create unique index if not exists institutions_live_slug_key
  on public.institutions (city_id, app.slug(name)) where deleted_at is null;

-- app.apply_points: the one clamp used by change_points: never below 0, never above 2^31-1 ---------
create or replace function app.apply_points(current integer, delta integer)
returns integer
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select greatest(0::bigint, least(2147483647::bigint, current::bigint + delta::bigint))::integer
$$;

-- The canonical document (docs/canonical-hash.md) ---------------------------------------------------
-- Text tokens are escaped with replace() (backslash first), written inline; timestamps are
-- to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'); map keys are ordered
-- COLLATE "C" (UTF-8 bytes); the counts N, M, K come from cardinality()/the keys present (a null
-- array element would be written as an empty token; the table constraints forbid them anyway).
-- The employee lines are built by one dynamic query (see below) so that the 6000-employee
-- benchmark stays around 25 ms.
create or replace function app.canonical_document()
returns text
language plpgsql
stable
set search_path = ''
as $fn$
declare
  -- The escaping of a text token (docs/canonical-hash.md): backslash first, then TAB, LF, CR.
  c_esc constant text := $e$replace(replace(replace(replace(%s, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r')$e$;
  v_generic text;
  v_cases text := '';
  v_ids bigint[] := '{}';
  v_branches integer[] := '{}';
  v_n integer := 0;
  v_count text;
  v_tokens text;
  v_fields text;
  v_cities text;
  v_institutions text;
  v_employees text;
  r record;
  k text;
begin
  select coalesce(string_agg(
           'city' || E'\t' || c.id::text || E'\t'
           || replace(replace(replace(replace(c.name, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r')
           || E'\n', '' order by c.id), '')
    into v_cities
    from public.cities c
   where c.deleted_at is null;

  select coalesce(string_agg(
           'institution' || E'\t' || i.id::text || E'\t' || i.city_id::text || E'\t'
           || replace(replace(replace(replace(i.name, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r')
           || E'\t' || coalesce(to_char(i.last_points_change_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')
           || E'\t' || coalesce(cardinality(i.ranks), 0)::text
           || coalesce((select string_agg(E'\t' || replace(replace(replace(replace(
                                 coalesce(rk.v, ''), '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r'), '' order by rk.n)
                          from unnest(i.ranks) with ordinality as rk(v, n)), '')
           || E'\t' || coalesce(cardinality(i.columns), 0)::text
           || coalesce((select string_agg(E'\t' || replace(replace(replace(replace(
                                 coalesce(ck.v, ''), '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r'), '' order by ck.n)
                          from unnest(i.columns) with ordinality as ck(v, n)), '')
           || E'\n', '' order by i.id), '')
    into v_institutions
    from public.institutions i
   where i.deleted_at is null;

  -- Employee fields, the general way: every key of the object, sorted bytewise. One small
  -- subquery (and sort) per employee: the slow part of the document.
  v_generic := format($g$(select E'\t' || count(*)::text
                                 || coalesce(string_agg(E'\t' || %s || E'\t' || %s, '' order by f.key collate "C"), '')
                            from jsonb_each_text(e.fields) as f(key, value))$g$,
                      format(c_esc, 'f.key'), format(c_esc, 'f.value'));

  -- The fast way, identical whenever an employee's keys are among its institution's custom columns
  -- (always, through the RPCs): those columns are sorted bytewise once per distinct column set and
  -- looked up with ? and ->> (no subquery, no sort per employee). Anything else (keys written
  -- directly, outside the columns) takes the general way.
  for r in
    select g.cols, array_agg(g.id) as ids
      from (select i.id,
                   (select coalesce(array_agg(distinct x collate "C" order by x collate "C"), '{}'::text[])
                      from unnest(i.columns) as x
                     where not (x = any (array['RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD']))) as cols
              from public.institutions i) g
     group by g.cols
  loop
    v_n := v_n + 1;
    v_ids := v_ids || r.ids;
    v_branches := v_branches || array_fill(v_n, array[cardinality(r.ids)]);
    if cardinality(r.cols) = 0 then
      v_cases := v_cases || format(' when %s then case when e.fields = ''{}''::jsonb then E''\t0'' end', v_n);
    else
      v_count := '';
      v_tokens := '';
      foreach k in array r.cols loop
        v_count := v_count || case when v_count = '' then '' else ' + ' end
                   || format('(e.fields ? %L)::integer', k);
        v_tokens := v_tokens || format(' || case when e.fields ? %L then %L || %s else '''' end',
                                       k, E'\t' || replace(replace(replace(replace(k, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r') || E'\t',
                                       format(c_esc, format('(e.fields ->> %L)', k)));
      end loop;
      v_cases := v_cases || format(' when %s then case when e.fields - %L::text[] = ''{}''::jsonb then E''\t'' || (%s)::text%s end',
                                   v_n, r.cols, v_count, v_tokens);
    end if;
  end loop;
  -- The fast branch is never null when it applies; null falls back to the general way.
  v_fields := case when v_n = 0 then v_generic
                   else format('coalesce(case m.branch%s end, %s)', v_cases, v_generic) end;

  execute format($q$
    select coalesce(string_agg(
             'employee' || E'\t' || e.id::text || E'\t' || e.institution_id::text
             || E'\t' || e.rank::text || E'\t' || e.punctaj::text
             || E'\t' || coalesce(to_char(e.ultima_mod at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')
             || %s
             || E'\n', '' order by e.id), '')
      from public.employees e
      left join unnest(%L::bigint[], %L::integer[]) as m(institution_id, branch)
             on m.institution_id = e.institution_id
     where e.deleted_at is null
    $q$, v_fields, v_ids, v_branches)
    into v_employees;

  return 'punctaj-data v1' || E'\n' || v_cities || v_institutions || v_employees;
end
$fn$;

create or replace function app.compute_data_hash()
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(app.canonical_document(), 'UTF8')), 'hex')
$$;

-- The version row -----------------------------------------------------------------------------------
-- (not `on conflict do nothing`: that would consume an identity value on every run)
insert into public.sync_metadata (sync_key, version, data_hash, last_modified_by, last_change)
select 'global_version', 1, app.compute_data_hash(), 'system', '{"action": "install"}'::jsonb
 where not exists (select 1 from public.sync_metadata m where m.sync_key = 'global_version');

-- app.bump_version --------------------------------------------------------------------------------
-- Locks the version row first; the hash is computed by a later statement, so (READ COMMITTED) it
-- sees everything committed before the lock was granted plus this transaction's own changes. Every
-- transaction that changes synced rows passes here before it commits and holds the lock until then,
-- so version N's hash is exactly the data after the changes numbered ≤ N.
-- Sets the transaction-local flag punctaj.version_bumped, which tells the deferred trigger below
-- that this transaction is already accounted for.
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
begin
  perform 1 from public.sync_metadata m where m.sync_key = 'global_version' for update;
  if not found then
    insert into public.sync_metadata (sync_key, version, data_hash, last_modified_by)
    values ('global_version', 0, null, 'system')
    on conflict (sync_key) do nothing;
    perform 1 from public.sync_metadata m where m.sync_key = 'global_version' for update;
  end if;

  v_hash := app.compute_data_hash();

  update public.sync_metadata m
     set version = m.version + 1,
         data_hash = v_hash,
         last_modified_by = case when v_uid is null then 'system' else app.actor_name(v_uid) end,
         last_modified_by_id = v_uid,
         last_change = coalesce(change, '{}'::jsonb),
         last_modified_at = now(),
         updated_at = now()
   where m.sync_key = 'global_version'
  returning m.version into v_version;

  perform pg_catalog.set_config('punctaj.version_bumped', 'on', true);
  return jsonb_build_object('version', v_version, 'data_hash', v_hash);
end
$$;

-- The current version and hash, without bumping (results of functions that changed nothing synced).
create or replace function app.current_version()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select jsonb_build_object('version', m.version, 'data_hash', m.data_hash)
       from public.sync_metadata m where m.sync_key = 'global_version'),
    '{}'::jsonb)
$$;

-- Triggers on the synced tables -----------------------------------------------------------------------

-- BEFORE UPDATE (row): keeps updated_at; on institutions also the revision, once per transaction
-- and institution (the ids already bumped are kept in the transaction-local punctaj.revised), so an
-- RPC moves it by exactly one whatever it touches, and a direct edit moves it too.
create or replace function app.tg_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_done bigint[];
begin
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

-- AFTER (statement): a change after the bump must be hashed again, so the flag is cleared; and for
-- employees, their institutions' revision is moved (via the trigger above, once per transaction).
create or replace function app.tg_after_statement()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_done bigint[];
  v_ids bigint[];
begin
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

-- DEFERRED constraint trigger: at commit, a transaction that changed synced rows without calling
-- app.bump_version (an edit in the SQL editor, the service key, a seed) bumps it now. The first
-- event bumps and sets the flag; the others return at once.
create or replace function app.tg_bump_at_commit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if pg_catalog.current_setting('punctaj.version_bumped', true) = 'on' then
    return null;
  end if;
  perform app.bump_version(jsonb_build_object('action', 'direct_edit', 'table', tg_table_name));
  insert into public.audit_log (actor_id, actor_name, action, entity_type, details)
  values (auth.uid(),
          case when auth.uid() is null then 'system' else app.actor_name() end,
          'direct_edit', 'sync',
          format('synced rows changed outside the RPC functions (first: %s, by database role %s)',
                 tg_table_name, session_user));
  return null;
end
$$;

-- TRUNCATE fires no row triggers: bump at once (a later change in the same transaction clears the
-- flag again and is bumped at commit).
create or replace function app.tg_truncate_bump()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform app.bump_version(jsonb_build_object('action', 'truncate', 'table', tg_table_name));
  return null;
end
$$;

revoke execute on function app.slug(text) from public, anon;
revoke execute on function app.apply_points(integer, integer) from public, anon, authenticated;
revoke execute on function app.same_name(text, text) from public, anon, authenticated;
revoke execute on function app.archive_key_prefix(text, text) from public, anon;
revoke execute on function app.is_archive_key(text, text, text) from public, anon;
revoke execute on function app.canonical_document() from public, anon, authenticated;
revoke execute on function app.compute_data_hash() from public, anon, authenticated;
revoke execute on function app.bump_version(jsonb) from public, anon, authenticated;
revoke execute on function app.current_version() from public, anon, authenticated;
revoke execute on function app.tg_before_update() from public, anon, authenticated;
revoke execute on function app.tg_after_statement() from public, anon, authenticated;
revoke execute on function app.tg_bump_at_commit() from public, anon, authenticated;
revoke execute on function app.tg_truncate_bump() from public, anon, authenticated;
-- The storage policy helper (0005) computes slugs as the caller.
grant execute on function app.slug(text) to authenticated, service_role;
grant execute on function app.archive_key_prefix(text, text) to authenticated, service_role;
grant execute on function app.is_archive_key(text, text, text) to authenticated, service_role;

-- Trigger definitions (created once; a second run finds them and leaves them alone).
do $$
declare
  t text;
begin
  foreach t in array array['cities', 'institutions', 'employees'] loop
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_before_update') then
      execute format('create trigger punctaj_before_update before update on public.%I
                        for each row execute function app.tg_before_update()', t);
    end if;
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_bump_at_commit') then
      execute format('create constraint trigger punctaj_bump_at_commit
                        after insert or update or delete on public.%I
                        deferrable initially deferred
                        for each row execute function app.tg_bump_at_commit()', t);
    end if;
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_truncate_bump') then
      execute format('create trigger punctaj_truncate_bump after truncate on public.%I
                        for each statement execute function app.tg_truncate_bump()', t);
    end if;
  end loop;

  foreach t in array array['cities', 'institutions'] loop
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_after_statement') then
      execute format('create trigger punctaj_after_statement after insert or update or delete on public.%I
                        for each statement execute function app.tg_after_statement()', t);
    end if;
  end loop;

  -- Transition tables need one trigger per event.
  if not exists (select 1 from pg_catalog.pg_trigger
                  where tgrelid = 'public.employees'::regclass and tgname = 'punctaj_after_insert_statement') then
    create trigger punctaj_after_insert_statement after insert on public.employees
      referencing new table as new_rows
      for each statement execute function app.tg_after_statement();
  end if;
  if not exists (select 1 from pg_catalog.pg_trigger
                  where tgrelid = 'public.employees'::regclass and tgname = 'punctaj_after_update_statement') then
    create trigger punctaj_after_update_statement after update on public.employees
      referencing old table as old_rows new table as new_rows
      for each statement execute function app.tg_after_statement();
  end if;
  if not exists (select 1 from pg_catalog.pg_trigger
                  where tgrelid = 'public.employees'::regclass and tgname = 'punctaj_after_delete_statement') then
    create trigger punctaj_after_delete_statement after delete on public.employees
      referencing old table as old_rows
      for each statement execute function app.tg_after_statement();
  end if;
end
$$;
