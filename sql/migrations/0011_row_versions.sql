-- 0011_row_versions.sql — conflict-safe edits (issue [G] point 1): row versions and edit RPCs that
-- refuse a stale one.
--
-- Why: two people may open the same edit dialog (an employee, an institution's name, ranks or
-- columns, a city's name); without a precondition the second save silently overwrites the first.
-- Now every editable row carries a version, every edit RPC takes the version the user started from
-- and refuses with its own error when the row changed meanwhile; the app then shows a conflict
-- dialog (per field: what the user started from, their value, the cloud's value).
--
-- 1. Column `row_version bigint not null default 1` on public.cities, public.institutions and
--    public.employees. A BEFORE UPDATE trigger (`punctaj_row_version`, app.tg_row_version) moves it
--    by one whenever a user-visible part of the row changes, whoever changes it (every RPC, an
--    import, a direct edit in the SQL editor):
--      cities        name, deleted_at
--      institutions  name, ranks, columns, city_id, deleted_at  (not revision,
--                    last_points_change_at, updated_at: those move with every points change)
--      employees     rank, fields, punctaj, deleted_at, institution_id  (a points change meanwhile
--                    is a real conflict on the PUNCTAJ field of an edit dialog)
--    An update that changes none of these leaves row_version as the statement sets it when that
--    is higher (a superuser may raise it), never lower: a version once given out never comes back
--    for other content (e.g. a restored backup's rows: changed content gets the current version
--    + 1, unchanged content keeps the current version). It fires after punctaj_before_update
--    (0003; triggers of one kind fire in name order) and touches no column that one reads or
--    writes. row_version is not part of the canonical document: the data hash does not change
--    (docs/canonical-hash.md).
-- 2. The edit RPCs take a required `p_expected_version bigint` (the row_version the user started
--    from). The old signatures are dropped, so no client can edit without a version:
--      rename_city(p_city_id, p_name, p_expected_version)
--      rename_institution(p_institution_id, p_name, p_expected_version)
--      set_institution_ranks(p_institution_id, p_ranks, p_expected_version)
--      set_institution_columns(p_institution_id, p_columns, p_expected_version, p_renames default '{}')
--      update_employee(p_employee_id, p_rank, p_fields, p_expected_version, p_punctaj default null)
--    Bodies as in 0004_functions.sql (with 0007's app.check_label), plus the check under the row
--    lock they already take, before anything is compared or written: null → 22023
--    `p_expected_version is required`; any other value than the row's row_version (older, a forged
--    future one, 0, negative) → SQLSTATE PT412 (HTTP 412), message `city 3 changed since you
--    opened it (your version 4, now 5)`, `detail` = the row's current values as JSON text, `hint` =
--    what the user can do. Nothing is written. A deleted row keeps its PT404 (`… not found or
--    deleted`). The result is the usual jsonb plus `row_version` (the row's version after the call;
--    unchanged when nothing changed), so the app can chain a second edit.
--    Created rows start at row_version 1 (create_city, create_institution, add_employee are left
--    as they are).
--
-- Idempotent (run twice). Replaces functions of 0004: after re-running 0004, run this file again
-- (0004 would recreate the old signatures next to the new ones).

-- 1. Columns and the trigger ----------------------------------------------------------------------
alter table public.cities add column if not exists row_version bigint not null default 1;
alter table public.institutions add column if not exists row_version bigint not null default 1;
alter table public.employees add column if not exists row_version bigint not null default 1;

create or replace function app.tg_row_version()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_changed boolean;
begin
  if tg_table_name = 'cities' then
    v_changed := new.name is distinct from old.name
              or new.deleted_at is distinct from old.deleted_at;
  elsif tg_table_name = 'institutions' then
    v_changed := new.name is distinct from old.name
              or new.ranks is distinct from old.ranks
              or new.columns is distinct from old.columns
              or new.city_id is distinct from old.city_id
              or new.deleted_at is distinct from old.deleted_at;
  else
    v_changed := new.rank is distinct from old.rank
              or new.fields is distinct from old.fields
              or new.punctaj is distinct from old.punctaj
              or new.deleted_at is distinct from old.deleted_at
              or new.institution_id is distinct from old.institution_id;
  end if;
  if v_changed then
    new.row_version := old.row_version + 1;
  elsif new.row_version is distinct from old.row_version and not (new.row_version > old.row_version) then
    -- Never backwards (a restored snapshot's older version, a null): a version once given out
    -- must not come back for other content.
    new.row_version := old.row_version;
  end if;
  return new;
end
$$;

revoke execute on function app.tg_row_version() from public, anon, authenticated;

do $$
declare
  t text;
begin
  foreach t in array array['cities', 'institutions', 'employees'] loop
    if not exists (select 1 from pg_catalog.pg_trigger
                    where tgrelid = format('public.%I', t)::regclass and tgname = 'punctaj_row_version') then
      execute format('create trigger punctaj_row_version before update on public.%I
                        for each row execute function app.tg_row_version()', t);
    end if;
  end loop;
end
$$;

-- 2. The check ------------------------------------------------------------------------------------
-- p_what/p_id name the row in the message ("city 3"); p_current is its row_version (read under the
-- RPC's row lock); p_row its current values, sent as `detail` (JSON text) for the conflict dialog.
create or replace function app.check_row_version(
  p_what text, p_id text, p_current bigint, p_expected bigint, p_row jsonb)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  if p_expected is null then
    raise exception using errcode = '22023', message = 'p_expected_version is required',
      hint = 'Send the row_version of the row as you loaded it.';
  end if;
  if p_expected <> p_current then
    raise exception using errcode = 'PT412',
      message = format('%s %s changed since you opened it (your version %s, now %s)',
                       p_what, p_id, p_expected, p_current),
      detail = (p_row || pg_catalog.jsonb_build_object('row_version', p_current))::text,
      hint = 'Someone else saved a change meanwhile: compare your values with the current ones, then save again to keep yours or take the current ones.';
  end if;
end
$$;

revoke execute on function app.check_row_version(text, text, bigint, bigint, jsonb) from public, anon, authenticated;

-- 3. The edit RPCs --------------------------------------------------------------------------------
drop function if exists public.rename_city(bigint, text);
drop function if exists public.rename_institution(bigint, text);
drop function if exists public.set_institution_ranks(bigint, text[]);
drop function if exists public.set_institution_columns(bigint, text[], jsonb);
drop function if exists public.update_employee(uuid, integer, jsonb, integer);

create or replace function public.rename_city(p_city_id bigint, p_name text, p_expected_version bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_city public.cities;
  v_name text;
  v_row_version bigint;
begin
  perform app.require('structure', null, 'rename_city');
  v_name := app.check_label(p_name, 'city name');
  select * into v_city from public.cities c where c.id = p_city_id and c.deleted_at is null for update;
  if not found then perform app.raise_not_found('city', p_city_id::text); end if;
  perform app.check_row_version('city', v_city.id::text, v_city.row_version, p_expected_version,
                                jsonb_build_object('name', v_city.name));
  if v_city.name = v_name then
    return app.current_version() || jsonb_build_object('changed', false, 'row_version', v_city.row_version);
  end if;
  if exists (select 1 from public.cities c
              where app.same_name(c.name, v_name) and c.deleted_at is null
                and c.id <> v_city.id) then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end if;
  begin
    update public.cities c set name = v_name where c.id = v_city.id
    returning c.row_version into v_row_version;
  exception when unique_violation then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end;
  perform app.audit('rename_city', 'city', v_city.id::text, v_name, v_city.id, null,
                    jsonb_build_object('name', v_city.name), jsonb_build_object('name', v_name), null);
  return app.bump_version(jsonb_build_object('action', 'rename_city', 'city', v_name, 'old_name', v_city.name))
         || jsonb_build_object('changed', true, 'row_version', v_row_version);
end
$$;

create or replace function public.rename_institution(
  p_institution_id bigint, p_name text, p_expected_version bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inst public.institutions;
  v_city_name text;
  v_name text;
  v_row_version bigint;
begin
  perform app.require('structure', null, 'rename_institution');
  v_name := app.check_label(p_name, 'institution name');
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  perform app.check_row_version('institution', v_inst.id::text, v_inst.row_version, p_expected_version,
                                jsonb_build_object('name', v_inst.name, 'ranks', to_jsonb(v_inst.ranks),
                                                   'columns', to_jsonb(v_inst.columns)));
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  if v_inst.name = v_name then
    return app.current_version() || jsonb_build_object('changed', false, 'row_version', v_inst.row_version);
  end if;
  if exists (select 1 from public.institutions i
              where i.city_id = v_inst.city_id and i.deleted_at is null and i.id <> v_inst.id
                and app.same_name(i.name, v_name)) then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city_name);
  end if;
  begin
    update public.institutions i set name = v_name where i.id = v_inst.id
    returning i.row_version into v_row_version;
  exception when unique_violation then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city_name);
  end;
  perform app.audit('rename_institution', 'institution', v_inst.id::text, v_name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('name', v_inst.name), jsonb_build_object('name', v_name), null);
  return app.bump_version(jsonb_build_object('action', 'rename_institution', 'city', v_city_name,
                                             'institution', v_name, 'old_name', v_inst.name))
         || jsonb_build_object('changed', true, 'row_version', v_row_version);
end
$$;

create or replace function public.set_institution_ranks(
  p_institution_id bigint, p_ranks text[], p_expected_version bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inst public.institutions;
  v_city_name text;
  v_ranks text[];
  v_max integer;
  v_over integer;
  v_row_version bigint;
begin
  perform app.require('structure', null, 'set_institution_ranks');
  v_ranks := app.check_ranks(p_ranks);
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  perform app.check_row_version('institution', v_inst.id::text, v_inst.row_version, p_expected_version,
                                jsonb_build_object('name', v_inst.name, 'ranks', to_jsonb(v_inst.ranks),
                                                   'columns', to_jsonb(v_inst.columns)));
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  if v_inst.ranks = v_ranks then
    return app.current_version() || jsonb_build_object('changed', false, 'row_version', v_inst.row_version);
  end if;
  select max(e.rank), count(*) filter (where e.rank > cardinality(v_ranks))
    into v_max, v_over
    from public.employees e where e.institution_id = v_inst.id and e.deleted_at is null;
  if v_max > cardinality(v_ranks) then
    raise exception using errcode = '22023',
      message = format('cannot shrink the ladder of %s to %s ranks: %s member(s) still hold a higher rank (highest: %s); change their rank first',
                       v_inst.name, cardinality(v_ranks), v_over, v_max);
  end if;
  update public.institutions i set ranks = v_ranks where i.id = v_inst.id
  returning i.row_version into v_row_version;
  perform app.audit('set_institution_ranks', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id,
                    v_inst.id, jsonb_build_object('ranks', to_jsonb(v_inst.ranks)),
                    jsonb_build_object('ranks', to_jsonb(v_ranks)), null);
  return app.bump_version(jsonb_build_object('action', 'set_institution_ranks', 'city', v_city_name,
                                             'institution', v_inst.name))
         || jsonb_build_object('changed', true, 'row_version', v_row_version);
end
$$;

-- Replaces the column list. p_renames maps an old custom column to its new name (the values move
-- with it; swaps allowed); values of custom columns that disappear are dropped from every employee
-- of the institution (deleted ones included, so a restore stays consistent). Those employees' own
-- row_version moves too (their fields changed).
create or replace function public.set_institution_columns(
  p_institution_id bigint, p_columns text[], p_expected_version bigint,
  p_renames jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_inst public.institutions;
  v_city_name text;
  v_columns text[];
  v_old_custom text[];
  v_new_custom text[];
  v_renames jsonb := '{}'::jsonb;
  v_targets text[] := '{}';
  r record;
  v_target text;
  v_changed_rows integer;
  v_row_version bigint;
begin
  v_uid := app.require('structure', null, 'set_institution_columns');
  v_columns := app.check_columns(p_columns);
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  perform app.check_row_version('institution', v_inst.id::text, v_inst.row_version, p_expected_version,
                                jsonb_build_object('name', v_inst.name, 'ranks', to_jsonb(v_inst.ranks),
                                                   'columns', to_jsonb(v_inst.columns)));
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  v_old_custom := app.custom_columns(v_inst.columns);
  v_new_custom := app.custom_columns(v_columns);

  if p_renames is not null and p_renames <> 'null'::jsonb then
    if pg_catalog.jsonb_typeof(p_renames) <> 'object' then
      raise exception using errcode = '22023', message = 'p_renames must be a JSON object (old column → new column)';
    end if;
    for r in select f.key, f.value from pg_catalog.jsonb_each(p_renames) as f(key, value) loop
      if not (r.key = any (v_old_custom)) then
        raise exception using errcode = '22023',
          message = format('p_renames: "%s" is not a custom column of this institution', r.key);
      end if;
      if pg_catalog.jsonb_typeof(r.value) <> 'string' then
        raise exception using errcode = '22023',
          message = format('p_renames: the new name of "%s" must be a string', r.key);
      end if;
      v_target := app.check_label(r.value #>> '{}', format('the new name of column "%s"', r.key));
      if not (v_target = any (v_new_custom)) then
        raise exception using errcode = '22023',
          message = format('p_renames: "%s" (new name of "%s") is not a custom column of p_columns', v_target, r.key);
      end if;
      if v_target = any (v_targets) then
        raise exception using errcode = '22023',
          message = format('p_renames: two columns are renamed to "%s"', v_target);
      end if;
      if v_target = any (v_old_custom) and not (p_renames ? v_target) and v_target <> r.key then
        raise exception using errcode = '22023',
          message = format('p_renames: "%s" already exists and keeps its values; rename or remove it too', v_target);
      end if;
      v_targets := array_append(v_targets, v_target);
      if v_target <> r.key then
        v_renames := v_renames || jsonb_build_object(r.key, v_target);
      end if;
    end loop;
  end if;

  if v_inst.columns = v_columns and v_renames = '{}'::jsonb then
    return app.current_version() || jsonb_build_object('changed', false, 'row_version', v_inst.row_version);
  end if;

  -- A swap of two columns (p_renames only, the same list) changes what the columns mean though
  -- the list stays: its row_version moves too (the trigger only sees the list).
  update public.institutions i
     set columns = v_columns,
         row_version = i.row_version + case when i.columns = v_columns then 1 else 0 end
   where i.id = v_inst.id
  returning i.row_version into v_row_version;

  with moved as (
    select e.id,
           (select coalesce(jsonb_object_agg(coalesce(v_renames ->> f.key, f.key), f.value), '{}'::jsonb)
              from pg_catalog.jsonb_each(e.fields) as f(key, value)
             where coalesce(v_renames ->> f.key, f.key) = any (v_new_custom)) as fields
      from public.employees e
     where e.institution_id = v_inst.id
  ), upd as (
    update public.employees e set fields = m.fields
      from moved m
     where e.id = m.id and e.fields is distinct from m.fields
    returning 1
  )
  select count(*) into v_changed_rows from upd;

  perform app.audit('set_institution_columns', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id,
                    v_inst.id, jsonb_build_object('columns', to_jsonb(v_inst.columns)),
                    jsonb_build_object('columns', to_jsonb(v_columns), 'renames', v_renames),
                    format('%s employee row(s) rewritten', v_changed_rows));
  return app.bump_version(jsonb_build_object('action', 'set_institution_columns', 'city', v_city_name,
                                             'institution', v_inst.name))
         || jsonb_build_object('changed', true, 'employees_rewritten', v_changed_rows,
                               'row_version', v_row_version);
end
$$;

-- null p_rank / p_fields / p_punctaj keep the current value. A changed PUNCTAJ sets ULTIMA_MOD.
create or replace function public.update_employee(
  p_employee_id uuid, p_rank integer, p_fields jsonb, p_expected_version bigint,
  p_punctaj integer default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_emp public.employees;
  v_inst public.institutions;
  v_city_name text;
  v_rank integer;
  v_fields jsonb;
  v_punctaj integer;
  v_old jsonb := '{}'::jsonb;
  v_new jsonb := '{}'::jsonb;
  v_row_version bigint;
begin
  perform app.require('read', null, 'update_employee');
  select * into v_emp from public.employees e where e.id = p_employee_id and e.deleted_at is null;
  if not found then perform app.raise_not_found('employee', coalesce(p_employee_id::text, 'null')); end if;
  perform app.require('employees', v_emp.institution_id, 'update_employee');
  select * into v_inst from public.institutions i
   where i.id = v_emp.institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', v_emp.institution_id::text); end if;
  select * into v_emp from public.employees e where e.id = p_employee_id and e.deleted_at is null for update;
  if not found then perform app.raise_not_found('employee', p_employee_id::text); end if;
  perform app.check_row_version('employee', v_emp.id::text, v_emp.row_version, p_expected_version,
                                jsonb_build_object('rank', v_emp.rank, 'fields', v_emp.fields,
                                                   'punctaj', v_emp.punctaj, 'ultima_mod', v_emp.ultima_mod,
                                                   'deleted_at', v_emp.deleted_at));
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;

  v_rank := app.check_rank(coalesce(p_rank, v_emp.rank), v_inst.ranks);
  v_fields := case when p_fields is null then v_emp.fields else app.check_fields(p_fields, v_inst.columns) end;
  v_punctaj := coalesce(p_punctaj, v_emp.punctaj);
  if v_punctaj < 0 then
    raise exception using errcode = '22023', message = 'p_punctaj must not be negative';
  end if;

  if v_rank <> v_emp.rank then
    v_old := v_old || jsonb_build_object('rank', v_emp.rank);
    v_new := v_new || jsonb_build_object('rank', v_rank);
  end if;
  if v_fields <> v_emp.fields then
    v_old := v_old || jsonb_build_object('fields', v_emp.fields);
    v_new := v_new || jsonb_build_object('fields', v_fields);
  end if;
  if v_punctaj <> v_emp.punctaj then
    v_old := v_old || jsonb_build_object('punctaj', v_emp.punctaj);
    v_new := v_new || jsonb_build_object('punctaj', v_punctaj);
  end if;
  if v_new = '{}'::jsonb then
    return app.current_version() || jsonb_build_object('changed', false, 'row_version', v_emp.row_version);
  end if;

  if v_punctaj <> v_emp.punctaj then
    update public.institutions i set last_points_change_at = now() where i.id = v_inst.id;
  end if;
  update public.employees e
     set rank = v_rank,
         fields = v_fields,
         punctaj = v_punctaj,
         ultima_mod = case when v_punctaj <> v_emp.punctaj then now() else e.ultima_mod end
   where e.id = v_emp.id
  returning e.row_version into v_row_version;

  perform app.audit('update_employee', 'employee', v_emp.id::text, app.employee_label(v_fields, v_emp.id),
                    v_inst.city_id, v_inst.id, v_old, v_new, null);
  return app.bump_version(jsonb_build_object('action', 'update_employee', 'city', v_city_name,
                                             'institution', v_inst.name, 'count', 1))
         || jsonb_build_object('changed', true, 'row_version', v_row_version);
end
$$;

-- Execute rights as 0004 grants them: signed-in users and the service key; nothing for anon/public.
revoke execute on function public.rename_city(bigint, text, bigint) from public, anon;
revoke execute on function public.rename_institution(bigint, text, bigint) from public, anon;
revoke execute on function public.set_institution_ranks(bigint, text[], bigint) from public, anon;
revoke execute on function public.set_institution_columns(bigint, text[], bigint, jsonb) from public, anon;
revoke execute on function public.update_employee(uuid, integer, jsonb, bigint, integer) from public, anon;
grant execute on function public.rename_city(bigint, text, bigint) to authenticated, service_role;
grant execute on function public.rename_institution(bigint, text, bigint) to authenticated, service_role;
grant execute on function public.set_institution_ranks(bigint, text[], bigint) to authenticated, service_role;
grant execute on function public.set_institution_columns(bigint, text[], bigint, jsonb) to authenticated, service_role;
grant execute on function public.update_employee(uuid, integer, jsonb, bigint, integer) to authenticated, service_role;
