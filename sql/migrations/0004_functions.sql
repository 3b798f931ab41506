-- 0004_functions.sql — the RPC functions (POST /rest/v1/rpc/<name>) and their input checks.
--
-- Every RPC is SECURITY DEFINER with an empty search_path (everything fully qualified), takes the
-- caller from auth.uid() only, re-checks the permission with app.can (through app.require),
-- validates its input, writes one audit_log entry per changed entity and — for synced data — bumps
-- the version exactly once, last, returning {"version", "data_hash", …}.
--
-- Errors: 42501 permission denied · 22023 invalid argument · 23505 duplicate name ·
--         PT404 not found or deleted · PT409 stale precondition · PT429 rate limited.
--
-- Lock order, the same everywhere (so two RPCs never deadlock): city → institution → employees →
-- the version row (app.bump_version, always last). Every writer of an institution's employees
-- locks the institution row first. Idempotent.

-- Input checks ------------------------------------------------------------------------------------

-- A label (name of a city, institution, rank or column): trimmed of spaces, 1..p_max characters, no
-- control characters (tab, line breaks, C0/C1 controls, U+2028/2029). Everything else — quotes,
-- markup, diacritics, emoji — is kept verbatim.
create or replace function app.check_label(p_value text, p_what text, p_max integer default 80)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := pg_catalog.btrim(p_value, ' ');
begin
  if v is null or v = '' then
    raise exception using errcode = '22023', message = format('%s must not be empty', p_what);
  end if;
  if v ~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029]' then
    raise exception using errcode = '22023',
      message = format('%s must not contain control characters (tab, line break…)', p_what);
  end if;
  if pg_catalog.char_length(v) > p_max then
    raise exception using errcode = '22023',
      message = format('%s is too long (%s characters; at most %s)', p_what, pg_catalog.char_length(v), p_max);
  end if;
  return v;
end
$$;

-- The rank ladder: 1..100 role names (ranks[i] = role of rank "i").
create or replace function app.check_ranks(p_ranks text[])
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_out text[] := '{}';
  i integer;
begin
  if p_ranks is null or cardinality(p_ranks) = 0 then
    raise exception using errcode = '22023', message = 'p_ranks must list at least one rank';
  end if;
  if array_ndims(p_ranks) <> 1 then
    raise exception using errcode = '22023', message = 'p_ranks must be a one-dimensional list';
  end if;
  if cardinality(p_ranks) > 100 then
    raise exception using errcode = '22023', message = 'p_ranks: at most 100 ranks';
  end if;
  for i in 1 .. cardinality(p_ranks) loop
    v_out := array_append(v_out, app.check_label(p_ranks[i], format('the role name of rank %s', i)));
  end loop;
  return v_out;
end
$$;

-- The column list: custom columns trimmed and checked (unique case-insensitively, not "ID"); the
-- fixed columns RANK, ROLE, PUNCTAJ, ULTIMA_MOD recognised case-insensitively and written in upper
-- case; missing fixed columns appended in that order.
create or replace function app.check_columns(p_columns text[])
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  c_fixed constant text[] := array['RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD'];
  v_out text[] := '{}';
  v text;
  f text;
  i integer;
begin
  if p_columns is not null and cardinality(p_columns) > 0 then
    if array_ndims(p_columns) <> 1 then
      raise exception using errcode = '22023', message = 'p_columns must be a one-dimensional list';
    end if;
    for i in 1 .. cardinality(p_columns) loop
      v := app.check_label(p_columns[i], format('column %s', i));
      if pg_catalog.upper(v) = any (c_fixed) then
        v := pg_catalog.upper(v);
      elsif pg_catalog.upper(v) = 'ID' then
        raise exception using errcode = '22023', message = 'column name "ID" is reserved';
      end if;
      if exists (select 1 from unnest(v_out) o where pg_catalog.upper(o) = pg_catalog.upper(v)) then
        raise exception using errcode = '22023', message = format('duplicate column "%s"', v);
      end if;
      v_out := array_append(v_out, v);
    end loop;
  end if;
  foreach f in array c_fixed loop
    if not (f = any (v_out)) then
      v_out := array_append(v_out, f);
    end if;
  end loop;
  if cardinality(v_out) > 100 then
    raise exception using errcode = '22023', message = 'p_columns: at most 100 columns';
  end if;
  return v_out;
end
$$;

-- The custom (user-defined) columns of a column list, in order.
create or replace function app.custom_columns(p_columns text[])
returns text[]
language sql
immutable
set search_path = ''
as $$
  select coalesce(array_agg(c order by n), '{}'::text[])
    from unnest(p_columns) with ordinality as u(c, n)
   where not (c = any (array['RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD']))
$$;

-- Employee fields: a JSON object whose keys are custom columns of the institution and whose values
-- are strings of at most 200 characters (stored verbatim). null means {}.
create or replace function app.check_fields(p_fields jsonb, p_columns text[])
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_custom text[] := app.custom_columns(p_columns);
  r record;
begin
  if p_fields is null or p_fields = 'null'::jsonb then
    return '{}'::jsonb;
  end if;
  if pg_catalog.jsonb_typeof(p_fields) <> 'object' then
    raise exception using errcode = '22023', message = 'p_fields must be a JSON object (column → text)';
  end if;
  for r in select f.key, f.value from pg_catalog.jsonb_each(p_fields) as f(key, value) loop
    if not (r.key = any (v_custom)) then
      raise exception using errcode = '22023',
        message = format('p_fields: "%s" is not a custom column of this institution (custom columns: %s)',
                         r.key, coalesce(nullif(array_to_string(v_custom, ', '), ''), 'none'));
    end if;
    if pg_catalog.jsonb_typeof(r.value) <> 'string' then
      raise exception using errcode = '22023',
        message = format('p_fields: the value of "%s" must be a string', r.key);
    end if;
    if pg_catalog.char_length(r.value #>> '{}') > 200 then
      raise exception using errcode = '22023',
        message = format('p_fields: the value of "%s" is too long (at most 200 characters)', r.key);
    end if;
  end loop;
  return p_fields;
end
$$;

create or replace function app.check_rank(p_rank integer, p_ranks text[])
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_rank is null or p_rank < 1 or p_rank > cardinality(p_ranks) then
    raise exception using errcode = '22023',
      message = format('rank must be between 1 and %s (the ranks of this institution), got %s',
                       cardinality(p_ranks), coalesce(p_rank::text, 'null'));
  end if;
  return p_rank;
end
$$;

-- What an employee is called in audit entries: NUME IC, else DISCORD, else the first custom value.
create or replace function app.employee_label(p_fields jsonb, p_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    nullif(p_fields ->> 'NUME IC', ''),
    nullif(p_fields ->> 'DISCORD', ''),
    (select f.value from pg_catalog.jsonb_each_text(p_fields) as f(key, value)
      where f.value <> '' order by f.key collate "C" limit 1),
    p_id::text)
$$;

-- One audit entry; the city and institution names are looked up (the names at the time).
create or replace function app.audit(
  p_action text, p_entity_type text, p_entity_id text, p_entity_name text,
  p_city_id bigint, p_institution_id bigint, p_old jsonb, p_new jsonb, p_details text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                institution_name, entity_type, entity_id, entity_name, old_value,
                                new_value, details)
  select auth.uid(), app.actor_name(), p_action, c.id, p_institution_id, c.name, i.name,
         p_entity_type, p_entity_id, p_entity_name, p_old, p_new, p_details
    from (select 1) as one
    left join public.institutions i on i.id = p_institution_id
    left join public.cities c on c.id = coalesce(p_city_id, i.city_id)
$$;

create or replace function app.raise_not_found(p_what text, p_id text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  raise exception using errcode = 'PT404', message = format('%s %s not found or deleted', p_what, p_id);
end
$$;

revoke execute on function app.check_label(text, text, integer) from public, anon, authenticated;
revoke execute on function app.check_ranks(text[]) from public, anon, authenticated;
revoke execute on function app.check_columns(text[]) from public, anon, authenticated;
revoke execute on function app.custom_columns(text[]) from public, anon, authenticated;
revoke execute on function app.check_fields(jsonb, text[]) from public, anon, authenticated;
revoke execute on function app.check_rank(integer, text[]) from public, anon, authenticated;
revoke execute on function app.employee_label(jsonb, uuid) from public, anon, authenticated;
revoke execute on function app.audit(text, text, text, text, bigint, bigint, jsonb, jsonb, text) from public, anon, authenticated;
revoke execute on function app.raise_not_found(text, text) from public, anon, authenticated;

-- Cities ------------------------------------------------------------------------------------------

create or replace function public.create_city(p_name text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text;
  v_id bigint;
begin
  perform app.require('structure', null, 'create_city');
  v_name := app.check_label(p_name, 'city name');
  if exists (select 1 from public.cities c
              where app.same_name(c.name, v_name) and c.deleted_at is null) then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end if;
  begin
    insert into public.cities (name) values (v_name) returning id into v_id;
  exception when unique_violation then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end;
  perform app.audit('create_city', 'city', v_id::text, v_name, v_id, null,
                    null, jsonb_build_object('name', v_name), null);
  return app.bump_version(jsonb_build_object('action', 'create_city', 'city', v_name))
         || jsonb_build_object('city_id', v_id, 'changed', true);
end
$$;

create or replace function public.rename_city(p_city_id bigint, p_name text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_city public.cities;
  v_name text;
begin
  perform app.require('structure', null, 'rename_city');
  v_name := app.check_label(p_name, 'city name');
  select * into v_city from public.cities c where c.id = p_city_id and c.deleted_at is null for update;
  if not found then perform app.raise_not_found('city', p_city_id::text); end if;
  if v_city.name = v_name then
    return app.current_version() || jsonb_build_object('changed', false);
  end if;
  if exists (select 1 from public.cities c
              where app.same_name(c.name, v_name) and c.deleted_at is null
                and c.id <> v_city.id) then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end if;
  begin
    update public.cities c set name = v_name where c.id = v_city.id;
  exception when unique_violation then
    raise exception using errcode = '23505', message = format('a city named "%s" (or one sharing its archive folder) already exists', v_name);
  end;
  perform app.audit('rename_city', 'city', v_city.id::text, v_name, v_city.id, null,
                    jsonb_build_object('name', v_city.name), jsonb_build_object('name', v_name), null);
  return app.bump_version(jsonb_build_object('action', 'rename_city', 'city', v_name, 'old_name', v_city.name))
         || jsonb_build_object('changed', true);
end
$$;

-- Soft-deletes the city, its live institutions and their live employees (one deleted_at for all, so
-- restore_city brings back exactly what went with it).
create or replace function public.delete_city(p_city_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_city public.cities;
  v_inst_count integer;
  v_emp_count integer;
begin
  v_uid := app.require('structure', null, 'delete_city');
  select * into v_city from public.cities c where c.id = p_city_id and c.deleted_at is null for update;
  if not found then perform app.raise_not_found('city', p_city_id::text); end if;
  perform 1 from public.institutions i
   where i.city_id = v_city.id and i.deleted_at is null order by i.id for update;

  update public.cities c set deleted_at = now(), deleted_by = v_uid where c.id = v_city.id;

  with insts as (
    update public.institutions i set deleted_at = now(), deleted_by = v_uid
     where i.city_id = v_city.id and i.deleted_at is null
    returning i.id, i.name
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'delete_city', v_city.id, x.id, v_city.name, x.name,
           'institution', x.id::text, x.name, jsonb_build_object('deleted', false),
           jsonb_build_object('deleted', true), format('deleted with city "%s"', v_city.name)
      from insts x
    returning 1
  )
  select count(*) into v_inst_count from logged;

  with emps as (
    update public.employees e set deleted_at = now(), deleted_by = v_uid
      from public.institutions i
     where e.institution_id = i.id and i.city_id = v_city.id and i.deleted_at = now()
       and e.deleted_at is null
    returning e.id, e.fields, i.id as institution_id, i.name as institution_name
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'delete_city', v_city.id, x.institution_id, v_city.name,
           x.institution_name, 'employee', x.id::text, app.employee_label(x.fields, x.id),
           jsonb_build_object('deleted', false), jsonb_build_object('deleted', true),
           format('deleted with city "%s"', v_city.name)
      from emps x
    returning 1
  )
  select count(*) into v_emp_count from logged;

  perform app.audit('delete_city', 'city', v_city.id::text, v_city.name, v_city.id, null,
                    jsonb_build_object('deleted', false),
                    jsonb_build_object('deleted', true, 'institutions', v_inst_count, 'employees', v_emp_count),
                    null);
  return app.bump_version(jsonb_build_object('action', 'delete_city', 'city', v_city.name,
                                             'count', v_inst_count))
         || jsonb_build_object('changed', true, 'institutions', v_inst_count, 'employees', v_emp_count);
end
$$;

create or replace function public.restore_city(p_city_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_city public.cities;
  v_inst_count integer;
  v_emp_count integer;
begin
  v_uid := app.require('structure', null, 'restore_city');
  select * into v_city from public.cities c where c.id = p_city_id for update;
  if not found then perform app.raise_not_found('city', p_city_id::text); end if;
  if v_city.deleted_at is null then
    raise exception using errcode = '22023', message = format('city "%s" is not deleted', v_city.name);
  end if;
  if exists (select 1 from public.cities c
              where app.same_name(c.name, v_city.name) and c.deleted_at is null) then
    raise exception using errcode = '23505',
      message = format('cannot restore: a city named "%s" (or one sharing its archive folder) already exists', v_city.name);
  end if;
  begin
    update public.cities c set deleted_at = null, deleted_by = null where c.id = v_city.id;
  exception when unique_violation then
    raise exception using errcode = '23505',
      message = format('cannot restore: a city named "%s" (or one sharing its archive folder) already exists', v_city.name);
  end;

  -- Employees first (they are found through their institutions' deleted_at).
  with emps as (
    update public.employees e set deleted_at = null, deleted_by = null
      from public.institutions i
     where e.institution_id = i.id and i.city_id = v_city.id
       and i.deleted_at = v_city.deleted_at and e.deleted_at = v_city.deleted_at
    returning e.id, e.fields, i.id as institution_id, i.name as institution_name
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'restore_city', v_city.id, x.institution_id, v_city.name,
           x.institution_name, 'employee', x.id::text, app.employee_label(x.fields, x.id),
           jsonb_build_object('deleted', true), jsonb_build_object('deleted', false),
           format('restored with city "%s"', v_city.name)
      from emps x
    returning 1
  )
  select count(*) into v_emp_count from logged;

  with insts as (
    update public.institutions i set deleted_at = null, deleted_by = null
     where i.city_id = v_city.id and i.deleted_at = v_city.deleted_at
    returning i.id, i.name
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'restore_city', v_city.id, x.id, v_city.name, x.name,
           'institution', x.id::text, x.name, jsonb_build_object('deleted', true),
           jsonb_build_object('deleted', false), format('restored with city "%s"', v_city.name)
      from insts x
    returning 1
  )
  select count(*) into v_inst_count from logged;

  perform app.audit('restore_city', 'city', v_city.id::text, v_city.name, v_city.id, null,
                    jsonb_build_object('deleted', true),
                    jsonb_build_object('deleted', false, 'institutions', v_inst_count, 'employees', v_emp_count),
                    null);
  return app.bump_version(jsonb_build_object('action', 'restore_city', 'city', v_city.name,
                                             'count', v_inst_count))
         || jsonb_build_object('changed', true, 'institutions', v_inst_count, 'employees', v_emp_count);
end
$$;

-- Institutions ------------------------------------------------------------------------------------

create or replace function public.create_institution(
  p_city_id bigint, p_name text, p_ranks text[], p_columns text[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_city public.cities;
  v_name text;
  v_ranks text[];
  v_columns text[];
  v_id bigint;
begin
  perform app.require('structure', null, 'create_institution');
  v_name := app.check_label(p_name, 'institution name');
  v_ranks := app.check_ranks(p_ranks);
  v_columns := app.check_columns(p_columns);
  select * into v_city from public.cities c where c.id = p_city_id and c.deleted_at is null for share;
  if not found then perform app.raise_not_found('city', p_city_id::text); end if;
  if exists (select 1 from public.institutions i
              where i.city_id = v_city.id and i.deleted_at is null
                and app.same_name(i.name, v_name)) then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city.name);
  end if;
  begin
    insert into public.institutions (city_id, name, ranks, columns)
    values (v_city.id, v_name, v_ranks, v_columns)
    returning id into v_id;
  exception when unique_violation then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city.name);
  end;
  perform app.audit('create_institution', 'institution', v_id::text, v_name, v_city.id, v_id, null,
                    jsonb_build_object('name', v_name, 'ranks', to_jsonb(v_ranks), 'columns', to_jsonb(v_columns)),
                    null);
  return app.bump_version(jsonb_build_object('action', 'create_institution', 'city', v_city.name,
                                             'institution', v_name))
         || jsonb_build_object('institution_id', v_id, 'changed', true);
end
$$;

create or replace function public.rename_institution(p_institution_id bigint, p_name text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inst public.institutions;
  v_city_name text;
  v_name text;
begin
  perform app.require('structure', null, 'rename_institution');
  v_name := app.check_label(p_name, 'institution name');
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  if v_inst.name = v_name then
    return app.current_version() || jsonb_build_object('changed', false);
  end if;
  if exists (select 1 from public.institutions i
              where i.city_id = v_inst.city_id and i.deleted_at is null and i.id <> v_inst.id
                and app.same_name(i.name, v_name)) then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city_name);
  end if;
  begin
    update public.institutions i set name = v_name where i.id = v_inst.id;
  exception when unique_violation then
    raise exception using errcode = '23505',
      message = format('an institution named "%s" (or one sharing its archive folder) already exists in %s', v_name, v_city_name);
  end;
  perform app.audit('rename_institution', 'institution', v_inst.id::text, v_name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('name', v_inst.name), jsonb_build_object('name', v_name), null);
  return app.bump_version(jsonb_build_object('action', 'rename_institution', 'city', v_city_name,
                                             'institution', v_name, 'old_name', v_inst.name))
         || jsonb_build_object('changed', true);
end
$$;

create or replace function public.set_institution_ranks(p_institution_id bigint, p_ranks text[])
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
begin
  perform app.require('structure', null, 'set_institution_ranks');
  v_ranks := app.check_ranks(p_ranks);
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  if v_inst.ranks = v_ranks then
    return app.current_version() || jsonb_build_object('changed', false);
  end if;
  select max(e.rank), count(*) filter (where e.rank > cardinality(v_ranks))
    into v_max, v_over
    from public.employees e where e.institution_id = v_inst.id and e.deleted_at is null;
  if v_max > cardinality(v_ranks) then
    raise exception using errcode = '22023',
      message = format('cannot shrink the ladder of %s to %s ranks: %s member(s) still hold a higher rank (highest: %s); change their rank first',
                       v_inst.name, cardinality(v_ranks), v_over, v_max);
  end if;
  update public.institutions i set ranks = v_ranks where i.id = v_inst.id;
  perform app.audit('set_institution_ranks', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id,
                    v_inst.id, jsonb_build_object('ranks', to_jsonb(v_inst.ranks)),
                    jsonb_build_object('ranks', to_jsonb(v_ranks)), null);
  return app.bump_version(jsonb_build_object('action', 'set_institution_ranks', 'city', v_city_name,
                                             'institution', v_inst.name))
         || jsonb_build_object('changed', true);
end
$$;

-- Replaces the column list. p_renames maps an old custom column to its new name (the values move
-- with it; swaps allowed); values of custom columns that disappear are dropped from every employee
-- of the institution (deleted ones included, so a restore stays consistent).
create or replace function public.set_institution_columns(
  p_institution_id bigint, p_columns text[], p_renames jsonb default '{}'::jsonb)
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
begin
  v_uid := app.require('structure', null, 'set_institution_columns');
  v_columns := app.check_columns(p_columns);
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
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
    return app.current_version() || jsonb_build_object('changed', false);
  end if;

  update public.institutions i set columns = v_columns where i.id = v_inst.id;

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
         || jsonb_build_object('changed', true, 'employees_rewritten', v_changed_rows);
end
$$;

create or replace function public.delete_institution(p_institution_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_inst public.institutions;
  v_city_name text;
  v_emp_count integer;
begin
  v_uid := app.require('structure', null, 'delete_institution');
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;

  update public.institutions i set deleted_at = now(), deleted_by = v_uid where i.id = v_inst.id;
  with emps as (
    update public.employees e set deleted_at = now(), deleted_by = v_uid
     where e.institution_id = v_inst.id and e.deleted_at is null
    returning e.id, e.fields
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'delete_institution', v_inst.city_id, v_inst.id, v_city_name,
           v_inst.name, 'employee', x.id::text, app.employee_label(x.fields, x.id),
           jsonb_build_object('deleted', false), jsonb_build_object('deleted', true),
           format('deleted with institution "%s"', v_inst.name)
      from emps x
    returning 1
  )
  select count(*) into v_emp_count from logged;

  perform app.audit('delete_institution', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id,
                    v_inst.id, jsonb_build_object('deleted', false),
                    jsonb_build_object('deleted', true, 'employees', v_emp_count), null);
  return app.bump_version(jsonb_build_object('action', 'delete_institution', 'city', v_city_name,
                                             'institution', v_inst.name, 'count', v_emp_count))
         || jsonb_build_object('changed', true, 'employees', v_emp_count);
end
$$;

create or replace function public.restore_institution(p_institution_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_inst public.institutions;
  v_city public.cities;
  v_emp_count integer;
begin
  v_uid := app.require('structure', null, 'restore_institution');
  select * into v_inst from public.institutions i where i.id = p_institution_id;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select * into v_city from public.cities c where c.id = v_inst.city_id for share;
  select * into v_inst from public.institutions i where i.id = p_institution_id for update;
  if v_inst.deleted_at is null then
    raise exception using errcode = '22023', message = format('institution "%s" is not deleted', v_inst.name);
  end if;
  if v_city.deleted_at is not null then
    raise exception using errcode = '22023',
      message = format('city "%s" is deleted; restore the city first', v_city.name);
  end if;
  if exists (select 1 from public.institutions i
              where i.city_id = v_inst.city_id and i.deleted_at is null
                and app.same_name(i.name, v_inst.name)) then
    raise exception using errcode = '23505',
      message = format('cannot restore: an institution named "%s" (or one sharing its archive folder) already exists in %s', v_inst.name, v_city.name);
  end if;
  begin
    update public.institutions i set deleted_at = null, deleted_by = null where i.id = v_inst.id;
  exception when unique_violation then
    raise exception using errcode = '23505',
      message = format('cannot restore: an institution named "%s" (or one sharing its archive folder) already exists in %s', v_inst.name, v_city.name);
  end;
  with emps as (
    update public.employees e set deleted_at = null, deleted_by = null
     where e.institution_id = v_inst.id and e.deleted_at = v_inst.deleted_at
    returning e.id, e.fields
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'restore_institution', v_inst.city_id, v_inst.id, v_city.name,
           v_inst.name, 'employee', x.id::text, app.employee_label(x.fields, x.id),
           jsonb_build_object('deleted', true), jsonb_build_object('deleted', false),
           format('restored with institution "%s"', v_inst.name)
      from emps x
    returning 1
  )
  select count(*) into v_emp_count from logged;
  perform app.audit('restore_institution', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id,
                    v_inst.id, jsonb_build_object('deleted', true),
                    jsonb_build_object('deleted', false, 'employees', v_emp_count), null);
  return app.bump_version(jsonb_build_object('action', 'restore_institution', 'city', v_city.name,
                                             'institution', v_inst.name, 'count', v_emp_count))
         || jsonb_build_object('changed', true, 'employees', v_emp_count);
end
$$;

-- Employees ---------------------------------------------------------------------------------------

create or replace function public.add_employee(
  p_institution_id bigint, p_rank integer, p_fields jsonb, p_punctaj integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inst public.institutions;
  v_city_name text;
  v_fields jsonb;
  v_punctaj integer := coalesce(p_punctaj, 0);
  v_id uuid;
  v_label text;
begin
  perform app.require('read', null, 'add_employee');
  select * into v_inst from public.institutions i where i.id = p_institution_id and i.deleted_at is null;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  perform app.require('employees', v_inst.id, 'add_employee');
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;

  perform app.check_rank(p_rank, v_inst.ranks);
  v_fields := app.check_fields(p_fields, v_inst.columns);
  if v_punctaj < 0 then
    raise exception using errcode = '22023', message = 'p_punctaj must not be negative';
  end if;

  insert into public.employees (institution_id, rank, punctaj, ultima_mod, fields)
  values (v_inst.id, p_rank, v_punctaj, case when v_punctaj > 0 then now() end, v_fields)
  returning id into v_id;
  if v_punctaj > 0 then
    update public.institutions i set last_points_change_at = now() where i.id = v_inst.id;
  end if;

  v_label := app.employee_label(v_fields, v_id);
  perform app.audit('add_employee', 'employee', v_id::text, v_label, v_inst.city_id, v_inst.id, null,
                    jsonb_build_object('rank', p_rank, 'punctaj', v_punctaj, 'fields', v_fields), null);
  return app.bump_version(jsonb_build_object('action', 'add_employee', 'city', v_city_name,
                                             'institution', v_inst.name, 'count', 1))
         || jsonb_build_object('employee_id', v_id, 'changed', true);
end
$$;

-- null p_rank / p_fields / p_punctaj keep the current value. A changed PUNCTAJ sets ULTIMA_MOD.
create or replace function public.update_employee(
  p_employee_id uuid, p_rank integer, p_fields jsonb, p_punctaj integer default null)
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
    return app.current_version() || jsonb_build_object('changed', false);
  end if;

  if v_punctaj <> v_emp.punctaj then
    update public.institutions i set last_points_change_at = now() where i.id = v_inst.id;
  end if;
  update public.employees e
     set rank = v_rank,
         fields = v_fields,
         punctaj = v_punctaj,
         ultima_mod = case when v_punctaj <> v_emp.punctaj then now() else e.ultima_mod end
   where e.id = v_emp.id;

  perform app.audit('update_employee', 'employee', v_emp.id::text, app.employee_label(v_fields, v_emp.id),
                    v_inst.city_id, v_inst.id, v_old, v_new, null);
  return app.bump_version(jsonb_build_object('action', 'update_employee', 'city', v_city_name,
                                             'institution', v_inst.name, 'count', 1))
         || jsonb_build_object('changed', true);
end
$$;

-- Shared by delete_employees / restore_employees: the distinct ids, or 22023.
create or replace function app.check_ids(p_ids uuid[], p_what text)
returns uuid[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if p_ids is null or cardinality(p_ids) = 0 then
    raise exception using errcode = '22023', message = format('%s must list at least one employee', p_what);
  end if;
  if array_position(p_ids, null) is not null then
    raise exception using errcode = '22023', message = format('%s must not contain null', p_what);
  end if;
  select array_agg(distinct x order by x) into v_ids from unnest(p_ids) as x;
  if cardinality(v_ids) > 10000 then
    raise exception using errcode = '22023', message = format('%s: at most 10000 employees at once', p_what);
  end if;
  return v_ids;
end
$$;
revoke execute on function app.check_ids(uuid[], text) from public, anon, authenticated;

-- The shared end of delete_employees and restore_employees, once the caller's rights and the
-- rows were checked and the institutions locked: flag the employees, audit each one, bump once.
create or replace function app.set_employees_deleted(
  p_uid uuid, p_ids uuid[], p_institutions bigint[], p_deleted boolean)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text := case when p_deleted then 'delete_employees' else 'restore_employees' end;
  v_count integer;
  v_names jsonb;
begin
  with emps as (
    update public.employees e
       set deleted_at = case when p_deleted then now() end,
           deleted_by = case when p_deleted then p_uid end
     where e.id = any (p_ids) and (e.deleted_at is null) = p_deleted
    returning e.id, e.fields, e.institution_id
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select p_uid, app.actor_name(), v_action, i.city_id, x.institution_id, c.name, i.name,
           'employee', x.id::text, app.employee_label(x.fields, x.id),
           jsonb_build_object('deleted', not p_deleted), jsonb_build_object('deleted', p_deleted), null
      from emps x
      join public.institutions i on i.id = x.institution_id
      join public.cities c on c.id = i.city_id
    returning 1
  )
  select count(*) into v_count from logged;

  select jsonb_build_object('city', c.name, 'institution', i.name) into v_names
    from public.institutions i join public.cities c on c.id = i.city_id
   where cardinality(p_institutions) = 1 and i.id = p_institutions[1];
  return app.bump_version(coalesce(v_names, '{}'::jsonb)
                          || jsonb_build_object('action', v_action, 'count', v_count))
         || jsonb_build_object('count', v_count, 'changed', true);
end
$$;
revoke execute on function app.set_employees_deleted(uuid, uuid[], bigint[], boolean)
  from public, anon, authenticated;

create or replace function public.delete_employees(p_employee_ids uuid[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_ids uuid[];
  v_insts bigint[];
  v_inst bigint;
  v_found integer;
begin
  v_uid := app.require('read', null, 'delete_employees');
  v_ids := app.check_ids(p_employee_ids, 'p_employee_ids');
  select array_agg(distinct e.institution_id order by e.institution_id), count(*)
    into v_insts, v_found
    from public.employees e where e.id = any (v_ids) and e.deleted_at is null;
  if v_found <> cardinality(v_ids) then
    raise exception using errcode = 'PT404',
      message = format('%s of the %s employees not found or already deleted',
                       cardinality(v_ids) - v_found, cardinality(v_ids));
  end if;
  foreach v_inst in array v_insts loop
    perform app.require('employees', v_inst, 'delete_employees');
  end loop;
  -- Lock the institutions (id order), then re-check under the lock.
  perform 1 from public.institutions i where i.id = any (v_insts) order by i.id for update;
  select count(*) into v_found from public.employees e where e.id = any (v_ids) and e.deleted_at is null;
  if v_found <> cardinality(v_ids) then
    raise exception using errcode = 'PT404', message = 'some employees were deleted meanwhile; nothing changed';
  end if;

  return app.set_employees_deleted(v_uid, v_ids, v_insts, true);
end
$$;

create or replace function public.restore_employees(p_employee_ids uuid[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_ids uuid[];
  v_insts bigint[];
  v_found integer;
  v_bad record;
begin
  v_uid := app.require('structure', null, 'restore_employees');
  v_ids := app.check_ids(p_employee_ids, 'p_employee_ids');
  select array_agg(distinct e.institution_id order by e.institution_id), count(*)
    into v_insts, v_found
    from public.employees e where e.id = any (v_ids);
  if v_found <> cardinality(v_ids) then
    raise exception using errcode = 'PT404',
      message = format('%s of the %s employees not found', cardinality(v_ids) - v_found, cardinality(v_ids));
  end if;
  perform 1 from public.institutions i where i.id = any (v_insts) order by i.id for update;

  select e.id into v_bad from public.employees e where e.id = any (v_ids) and e.deleted_at is null limit 1;
  if found then
    raise exception using errcode = '22023', message = format('employee %s is not deleted', v_bad.id);
  end if;
  select i.name, c.name as city_name into v_bad
    from public.institutions i join public.cities c on c.id = i.city_id
   where i.id = any (v_insts) and i.deleted_at is not null limit 1;
  if found then
    raise exception using errcode = '22023',
      message = format('institution "%s" (%s) is deleted; restore it first', v_bad.name, v_bad.city_name);
  end if;
  select e.id, e.rank, cardinality(i.ranks) as n into v_bad
    from public.employees e join public.institutions i on i.id = e.institution_id
   where e.id = any (v_ids) and e.rank > cardinality(i.ranks) limit 1;
  if found then
    raise exception using errcode = '22023',
      message = format('employee %s has rank %s but the institution now has %s ranks; extend the ladder first',
                       v_bad.id, v_bad.rank, v_bad.n);
  end if;

  return app.set_employees_deleted(v_uid, v_ids, v_insts, false);
end
$$;

-- Points ------------------------------------------------------------------------------------------
-- The same delta for every listed employee, in ONE atomic UPDATE (punctaj = app.apply_points(punctaj,
-- delta), clamped at 0), so concurrent changes never lose an update.
create or replace function public.change_points(
  p_institution_id bigint, p_employee_ids uuid[], p_delta integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_inst public.institutions;
  v_city_name text;
  v_ids uuid[];
  v_live integer;
  v_count integer;
  v_changed jsonb;
begin
  v_uid := app.require('read', null, 'change_points');
  if p_delta is null or p_delta = 0 or p_delta < -1000000 or p_delta > 1000000 then
    raise exception using errcode = '22023',
      message = format('p_delta must be a non-zero integer between -1000000 and 1000000, got %s',
                       coalesce(p_delta::text, 'null'));
  end if;
  v_ids := app.check_ids(p_employee_ids, 'p_employee_ids');
  select * into v_inst from public.institutions i where i.id = p_institution_id and i.deleted_at is null;
  if not found then perform app.raise_not_found('institution', coalesce(p_institution_id::text, 'null')); end if;
  perform app.require('points', v_inst.id, 'change_points');

  -- Lock the institution (revision + 1 through its trigger), then validate under the lock.
  update public.institutions i set last_points_change_at = now()
   where i.id = v_inst.id and i.deleted_at is null
  returning * into v_inst;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;

  select count(*) into v_live from public.employees e
   where e.id = any (v_ids) and e.institution_id = v_inst.id and e.deleted_at is null;
  if v_live <> cardinality(v_ids) then
    raise exception using errcode = '22023',
      message = format('p_employee_ids: %s of the %s employees are not live members of institution "%s"; nothing changed',
                       cardinality(v_ids) - v_live, cardinality(v_ids), v_inst.name);
  end if;

  with old as (
    select e.id, e.punctaj from public.employees e
     where e.id = any (v_ids) and e.institution_id = v_inst.id and e.deleted_at is null
     for update
  ), upd as (
    update public.employees e
       set punctaj = app.apply_points(e.punctaj, p_delta),
           ultima_mod = now()
      from old
     where e.id = old.id
    returning e.id, old.punctaj as old_punctaj, e.punctaj as new_punctaj, e.fields
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'change_points', v_inst.city_id, v_inst.id, v_city_name, v_inst.name,
           'employee', u.id::text, app.employee_label(u.fields, u.id),
           jsonb_build_object('punctaj', u.old_punctaj), jsonb_build_object('punctaj', u.new_punctaj),
           format('%s: %s → %s (%s%s)', app.employee_label(u.fields, u.id), u.old_punctaj, u.new_punctaj,
                  case when p_delta > 0 then '+' else '' end, p_delta)
      from upd u
    returning 1
  )
  select count(*), coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'old', u.old_punctaj, 'new', u.new_punctaj)
                                      order by u.id), '[]'::jsonb)
    into v_count, v_changed
    from upd u;

  if v_count <> cardinality(v_ids) then
    raise exception using errcode = '22023',
      message = 'p_employee_ids: some employees changed meanwhile; nothing changed';
  end if;

  return app.bump_version(jsonb_build_object('action', 'change_points', 'city', v_city_name,
                                             'institution', v_inst.name, 'institution_id', v_inst.id,
                                             'count', v_count, 'delta', p_delta))
         || jsonb_build_object('changed', v_changed, 'revision', v_inst.revision);
end
$$;

-- Reset -------------------------------------------------------------------------------------------
-- The client has uploaded the pre-reset snapshot to arhiva/<slug(city)>/<slug(inst)>_<UTC stamp>.json
-- (taken at revision p_expected_revision); only then are the scores zeroed.
create or replace function public.reset_punctaj(
  p_institution_id bigint, p_archive_path text, p_expected_revision bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_inst public.institutions;
  v_city_name text;
  v_prefix text;
  v_stamp text;
  v_archived_at timestamptz;
  v_count integer;
  v_total bigint;
  v_points jsonb;
  v_archive_id bigint;
begin
  v_uid := app.require('read', null, 'reset_punctaj');
  select * into v_inst from public.institutions i where i.id = p_institution_id and i.deleted_at is null;
  if not found then perform app.raise_not_found('institution', coalesce(p_institution_id::text, 'null')); end if;
  perform app.require('reset', v_inst.id, 'reset_punctaj');
  select * into v_inst from public.institutions i
   where i.id = p_institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', p_institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;

  -- The key.
  v_prefix := app.archive_key_prefix(v_city_name, v_inst.name);
  if not coalesce(app.is_archive_key(p_archive_path, v_city_name, v_inst.name), false) then
    raise exception using errcode = '22023',
      message = format('p_archive_path must be %sYYYY-MM-DD_HH-MM-SS.json (UTC), got %s',
                       v_prefix, coalesce(p_archive_path, 'null'));
  end if;
  v_stamp := pg_catalog.substr(p_archive_path, pg_catalog.length(v_prefix) + 1, 19);
  begin
    v_archived_at := pg_catalog.make_timestamp(
      pg_catalog.substr(v_stamp, 1, 4)::integer, pg_catalog.substr(v_stamp, 6, 2)::integer,
      pg_catalog.substr(v_stamp, 9, 2)::integer, pg_catalog.substr(v_stamp, 12, 2)::integer,
      pg_catalog.substr(v_stamp, 15, 2)::integer, pg_catalog.substr(v_stamp, 18, 2)::double precision)
      at time zone 'UTC';
  exception when others then
    raise exception using errcode = '22023',
      message = format('p_archive_path: %s is not a valid date and time', v_stamp);
  end;
  if p_expected_revision is null then
    raise exception using errcode = '22023', message = 'p_expected_revision is required';
  end if;

  -- The snapshot must be safely stored, unused, and still describe the institution.
  if not exists (select 1 from storage.objects o where o.bucket_id = 'arhiva' and o.name = p_archive_path) then
    raise exception using errcode = 'PT404',
      message = format('archive %s not found in bucket arhiva; upload it first', p_archive_path);
  end if;
  if v_inst.revision <> p_expected_revision then
    raise exception using errcode = 'PT409',
      message = 'the institution changed since the snapshot (another reset or points change); download and try again',
      detail = format('expected revision %s, current revision %s', p_expected_revision, v_inst.revision);
  end if;
  if exists (select 1 from public.archives a where a.object_path = p_archive_path) then
    raise exception using errcode = 'PT409',
      message = format('archive %s already records another reset', p_archive_path);
  end if;

  update public.institutions i set last_points_change_at = now() where i.id = v_inst.id
  returning * into v_inst;

  with old as (
    select e.id, e.punctaj, e.ultima_mod from public.employees e
     where e.institution_id = v_inst.id and e.deleted_at is null
     for update
  ), upd as (
    update public.employees e set punctaj = 0, ultima_mod = now()
      from old
     where e.id = old.id
    returning e.id, old.punctaj as old_punctaj, old.ultima_mod as old_ultima_mod, e.fields
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'reset_punctaj', v_inst.city_id, v_inst.id, v_city_name, v_inst.name,
           'employee', u.id::text, app.employee_label(u.fields, u.id),
           jsonb_build_object('punctaj', u.old_punctaj, 'ultima_mod', u.old_ultima_mod),
           jsonb_build_object('punctaj', 0, 'ultima_mod', now()),
           format('archive %s', p_archive_path)
      from upd u
    returning 1
  )
  select count(*), coalesce(sum(u.old_punctaj), 0),
         coalesce(jsonb_object_agg(u.id::text, u.old_punctaj), '{}'::jsonb)
    into v_count, v_total, v_points
    from upd u;

  insert into public.archives (object_path, city_id, institution_id, city_name, institution_name,
                               archived_at, reset_by, reset_by_name, employee_count, total_points)
  values (p_archive_path, v_inst.city_id, v_inst.id, v_city_name, v_inst.name, v_archived_at,
          v_uid, app.actor_name(), v_count, v_total)
  returning id into v_archive_id;

  perform app.audit('reset_punctaj', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('revision', p_expected_revision, 'total_points', v_total, 'punctaj', v_points),
                    jsonb_build_object('revision', v_inst.revision, 'total_points', 0, 'archive', p_archive_path,
                                       'archive_id', v_archive_id),
                    format('reset %s employee(s), %s point(s); archive %s', v_count, v_total, p_archive_path));
  return app.bump_version(jsonb_build_object('action', 'reset_punctaj', 'city', v_city_name,
                                             'institution', v_inst.name, 'institution_id', v_inst.id,
                                             'count', v_count, 'archive', p_archive_path))
         || jsonb_build_object('archive_id', v_archive_id, 'employee_count', v_count,
                               'total_points', v_total, 'revision', v_inst.revision);
end
$$;

-- Sync --------------------------------------------------------------------------------------------
-- Any granted account; one per account every 10 s (serialised per account by an advisory lock, so
-- two clicks of the same account cannot both pass; different accounts never wait for each other
-- except on the version row).
create or replace function public.force_sync(p_reason text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_reason text;
  v_last timestamptz;
  v_elapsed double precision;
  v_left integer;
  v_log_id bigint;
begin
  v_uid := app.require('force_sync', null, 'force_sync');
  v_reason := nullif(pg_catalog.btrim(p_reason), '');
  if pg_catalog.char_length(v_reason) > 200 then
    raise exception using errcode = '22023', message = 'p_reason is too long (at most 200 characters)';
  end if;

  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.force_sync'),
                                           pg_catalog.hashtext(v_uid::text));
  select max(l.synced_at) into v_last
    from public.sync_log l where l.user_id = v_uid and l.sync_type = 'force_sync';
  if v_last is not null then
    v_elapsed := extract(epoch from (pg_catalog.clock_timestamp() - v_last));
    if v_elapsed < 10 then
      v_left := greatest(1, ceil(10 - v_elapsed))::integer;
      raise exception using errcode = 'PT429',
        message = 'force sync rate limited',
        detail = v_left::text,
        hint = format('One force sync per account every 10 seconds; try again in %s s.', v_left);
    end if;
  end if;

  insert into public.sync_log (user_id, discord_id, user_name, sync_type, status, items_synced, synced_at)
  select v_uid, p.discord_id, app.actor_name(v_uid), 'force_sync', 'success', 0, now()
    from (select 1) as one left join public.profiles p on p.id = v_uid
  returning id into v_log_id;
  perform app.audit('force_sync', 'sync', v_log_id::text, null, null, null, null,
                    jsonb_build_object('reason', v_reason), v_reason);
  return app.bump_version(jsonb_build_object('action', 'force_sync', 'reason', v_reason))
         || jsonb_build_object('sync_log_id', v_log_id);
end
$$;

-- Clients record their downloads/uploads (force_sync entries come only from force_sync).
create or replace function public.log_sync(
  p_sync_type text, p_status text, p_items_synced integer, p_error_message text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
begin
  v_uid := app.require('read', null, 'log_sync');
  if p_sync_type is null or p_sync_type not in ('download', 'upload') then
    raise exception using errcode = '22023',
      message = format('p_sync_type must be download or upload, got %s', coalesce(p_sync_type, 'null'));
  end if;
  if p_status is null or p_status not in ('pending', 'in_progress', 'success', 'failed') then
    raise exception using errcode = '22023',
      message = format('p_status must be pending, in_progress, success or failed, got %s', coalesce(p_status, 'null'));
  end if;
  if p_items_synced < 0 then
    raise exception using errcode = '22023', message = 'p_items_synced must not be negative';
  end if;
  insert into public.sync_log (user_id, discord_id, user_name, sync_type, status, items_synced,
                               error_message, synced_at)
  select v_uid, p.discord_id, app.actor_name(v_uid), p_sync_type, p_status, coalesce(p_items_synced, 0),
         pg_catalog.left(p_error_message, 2000), now()
    from (select 1) as one left join public.profiles p on p.id = v_uid;
end
$$;

-- Access ------------------------------------------------------------------------------------------
create or replace function public.my_access()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_result jsonb;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'permission denied: my_access requires a signed-in account';
  end if;
  select jsonb_build_object(
           'user_id', v_uid,
           'email', coalesce(p.email, u.email),
           'display_name', p.display_name,
           'discord_id', p.discord_id,
           'discord_username', p.discord_username,
           'global_role', g.role,
           'institutions', coalesce((
             select jsonb_agg(jsonb_build_object('institution_id', r.institution_id, 'role', r.role)
                              order by r.institution_id)
               from public.institution_roles r where r.user_id = v_uid), '[]'::jsonb),
           'pending', g.role is null and not exists (select 1 from public.institution_roles r where r.user_id = v_uid))
    into v_result
    from (select 1) as one
    left join public.profiles p on p.id = v_uid
    left join auth.users u on u.id = v_uid
    left join public.global_roles g on g.user_id = v_uid;
  return v_result;
end
$$;

-- Role grants (not synced data: audited as permission_change, no version bump) --------------------
-- Owners grant and revoke anything; admins only the viewer role and institution roles, and never
-- touch an owner's or admin's global role. Nobody removes the last owner. Serialised by one
-- advisory lock so two owners cannot demote each other at once.
create or replace function public.grant_global_role(p_user_id uuid, p_role text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_mine text;
  v_old text;
  v_target_name text;
begin
  v_uid := app.require('members', null, 'grant_global_role');
  if p_role is null or p_role not in ('owner', 'admin', 'viewer') then
    raise exception using errcode = '22023',
      message = format('p_role must be owner, admin or viewer, got %s', coalesce(p_role, 'null'));
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.roles'));
  v_mine := app.global_role();
  select coalesce(p.display_name, p.email, p.id::text) into v_target_name
    from public.profiles p where p.id = p_user_id;
  if not found then perform app.raise_not_found('account', coalesce(p_user_id::text, 'null')); end if;
  select g.role into v_old from public.global_roles g where g.user_id = p_user_id for update;
  if v_mine is distinct from 'owner' then
    if p_role <> 'viewer' then
      raise exception using errcode = '42501',
        message = format('permission denied: grant_global_role — only an owner can grant the %s role', p_role);
    end if;
    if v_old in ('owner', 'admin') then
      raise exception using errcode = '42501',
        message = format('permission denied: grant_global_role — only an owner can change the role of an %s', v_old);
    end if;
  end if;
  if v_old is not distinct from p_role then
    return app.current_version()
           || jsonb_build_object('user_id', p_user_id, 'global_role', p_role, 'changed', false);
  end if;
  if v_old = 'owner' and (select count(*) from public.global_roles g where g.role = 'owner') <= 1 then
    raise exception using errcode = '22023', message = 'cannot remove the last owner; make someone else owner first';
  end if;
  insert into public.global_roles as g (user_id, role, granted_by, granted_at)
  values (p_user_id, p_role, v_uid, now())
  on conflict (user_id) do update set role = excluded.role, granted_by = excluded.granted_by,
                                      granted_at = excluded.granted_at;
  perform app.audit('permission_change', 'account', p_user_id::text, v_target_name, null, null,
                    jsonb_build_object('global_role', v_old), jsonb_build_object('global_role', p_role),
                    format('global role %s → %s', coalesce(v_old, 'none'), p_role));
  return app.current_version()
         || jsonb_build_object('user_id', p_user_id, 'global_role', p_role, 'changed', true);
end
$$;

create or replace function public.revoke_global_role(p_user_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_mine text;
  v_old text;
  v_target_name text;
begin
  v_uid := app.require('members', null, 'revoke_global_role');
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.roles'));
  v_mine := app.global_role();
  select coalesce(p.display_name, p.email, p.id::text) into v_target_name
    from public.profiles p where p.id = p_user_id;
  if not found then perform app.raise_not_found('account', coalesce(p_user_id::text, 'null')); end if;
  select g.role into v_old from public.global_roles g where g.user_id = p_user_id for update;
  if v_old is null then
    return app.current_version()
           || jsonb_build_object('user_id', p_user_id, 'global_role', null, 'changed', false);
  end if;
  if v_mine is distinct from 'owner' and v_old in ('owner', 'admin') then
    raise exception using errcode = '42501',
      message = format('permission denied: revoke_global_role — only an owner can revoke the %s role', v_old);
  end if;
  if v_old = 'owner' and (select count(*) from public.global_roles g where g.role = 'owner') <= 1 then
    raise exception using errcode = '22023', message = 'cannot remove the last owner; make someone else owner first';
  end if;
  delete from public.global_roles g where g.user_id = p_user_id;
  perform app.audit('permission_change', 'account', p_user_id::text, v_target_name, null, null,
                    jsonb_build_object('global_role', v_old), jsonb_build_object('global_role', null),
                    format('global role %s → none', v_old));
  return app.current_version()
         || jsonb_build_object('user_id', p_user_id, 'global_role', null, 'changed', true);
end
$$;

create or replace function public.grant_institution_role(p_user_id uuid, p_institution_id bigint, p_role text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_old text;
  v_target_name text;
  v_inst public.institutions;
begin
  v_uid := app.require('members', null, 'grant_institution_role');
  if p_role is null or p_role not in ('leader', 'member') then
    raise exception using errcode = '22023',
      message = format('p_role must be leader or member, got %s', coalesce(p_role, 'null'));
  end if;
  select * into v_inst from public.institutions i where i.id = p_institution_id and i.deleted_at is null;
  if not found then perform app.raise_not_found('institution', coalesce(p_institution_id::text, 'null')); end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.roles'));
  select coalesce(p.display_name, p.email, p.id::text) into v_target_name
    from public.profiles p where p.id = p_user_id;
  if not found then perform app.raise_not_found('account', coalesce(p_user_id::text, 'null')); end if;
  select r.role into v_old from public.institution_roles r
   where r.user_id = p_user_id and r.institution_id = v_inst.id for update;
  if v_old is not distinct from p_role then
    return app.current_version()
           || jsonb_build_object('user_id', p_user_id, 'institution_id', v_inst.id, 'role', p_role, 'changed', false);
  end if;
  insert into public.institution_roles as r (user_id, institution_id, role, granted_by, granted_at)
  values (p_user_id, v_inst.id, p_role, v_uid, now())
  on conflict (user_id, institution_id) do update
    set role = excluded.role, granted_by = excluded.granted_by, granted_at = excluded.granted_at;
  perform app.audit('permission_change', 'account', p_user_id::text, v_target_name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('institution_role', v_old), jsonb_build_object('institution_role', p_role),
                    format('role in %s: %s → %s', v_inst.name, coalesce(v_old, 'none'), p_role));
  return app.current_version()
         || jsonb_build_object('user_id', p_user_id, 'institution_id', v_inst.id, 'role', p_role, 'changed', true);
end
$$;

create or replace function public.revoke_institution_role(p_user_id uuid, p_institution_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_old text;
  v_target_name text;
  v_inst public.institutions;
begin
  v_uid := app.require('members', null, 'revoke_institution_role');
  -- Deleted institutions too: their roles can still be cleaned up.
  select * into v_inst from public.institutions i where i.id = p_institution_id;
  if not found then perform app.raise_not_found('institution', coalesce(p_institution_id::text, 'null')); end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.roles'));
  select coalesce(p.display_name, p.email, p.id::text) into v_target_name
    from public.profiles p where p.id = p_user_id;
  if not found then perform app.raise_not_found('account', coalesce(p_user_id::text, 'null')); end if;
  delete from public.institution_roles r
   where r.user_id = p_user_id and r.institution_id = v_inst.id
  returning r.role into v_old;
  if v_old is null then
    return app.current_version()
           || jsonb_build_object('user_id', p_user_id, 'institution_id', v_inst.id, 'role', null, 'changed', false);
  end if;
  perform app.audit('permission_change', 'account', p_user_id::text, v_target_name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('institution_role', v_old), jsonb_build_object('institution_role', null),
                    format('role in %s: %s → none', v_inst.name, v_old));
  return app.current_version()
         || jsonb_build_object('user_id', p_user_id, 'institution_id', v_inst.id, 'role', null, 'changed', true);
end
$$;

-- Execute rights: the RPCs for signed-in users (and the service key); nothing for anon/public -------
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure
      from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname in ('create_city', 'rename_city', 'delete_city', 'restore_city',
                         'create_institution', 'rename_institution', 'set_institution_ranks',
                         'set_institution_columns', 'delete_institution', 'restore_institution',
                         'add_employee', 'update_employee', 'delete_employees', 'restore_employees',
                         'change_points', 'reset_punctaj', 'force_sync', 'log_sync', 'my_access',
                         'grant_global_role', 'revoke_global_role', 'grant_institution_role',
                         'revoke_institution_role')
  loop
    execute format('revoke execute on function %s from public, anon', f);
    execute format('grant execute on function %s to authenticated, service_role', f);
  end loop;
end
$$;
