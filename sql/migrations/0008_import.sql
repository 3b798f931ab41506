-- 0008_import.sql — the import of the old desktop app (issue 11): public.import_legacy, legacy
-- audit history, AFTER_RESET archives and Discord invitations.
--
-- 1. archives.after_reset (legacy `…_AFTER_RESET.json` proof-of-reset snapshots);
--    audit_log.legacy / legacy_id (entries of the old app's audit_logs.json, imported once).
-- 2. public.discord_invites: the old app's users_permissions.json accounts an admin accepted,
--    granted when that Discord account first appears (trigger on public.profiles).
-- 3. public.import_legacy(p_payload jsonb): one import = one transaction = at most one version
--    bump. The client decides every match against its verified local copy and sends ids; this
--    function re-checks the permission, the payload and the preconditions (ids live, revisions
--    unchanged, archives uploaded), applies exactly what it is sent, skips what is already equal,
--    and bumps once if a synced row (cities, institutions, employees, archives) changed.
--
-- Payload and result: docs/database.md ("Import from the desktop app"). Errors: 42501 permission
-- denied · 22023 invalid payload (the message names the element, e.g. `employees[3].rank: …`) ·
-- PT404 an id not live, an archive not uploaded · PT409 stale (revision moved, a name taken
-- meanwhile): download and preview again. Idempotent.

-- 1. Columns ------------------------------------------------------------------------------------
alter table public.archives add column if not exists after_reset boolean not null default false;

alter table public.audit_log add column if not exists legacy boolean not null default false;
alter table public.audit_log add column if not exists legacy_id bigint;
create unique index if not exists audit_log_legacy_id_key
  on public.audit_log (legacy_id) where legacy_id is not null;

-- 2. Discord invitations ------------------------------------------------------------------------
-- institution_roles: [{"institution_id": <bigint>, "role": "leader" | "member"}]. Never owner.
create table if not exists public.discord_invites (
  discord_id text primary key,
  username text,
  global_role text,
  institution_roles jsonb not null default '[]'::jsonb,
  invited_by uuid,
  invited_at timestamptz not null default now(),
  accepted_by uuid,
  accepted_at timestamptz,
  constraint discord_invites_discord_id_check check (discord_id ~ '^[0-9]{5,25}$'),
  constraint discord_invites_global_role_check check (global_role in ('admin', 'viewer')),
  constraint discord_invites_institution_roles_check check (pg_catalog.jsonb_typeof(institution_roles) = 'array'),
  constraint discord_invites_username_check check (char_length(username) <= 100)
);

alter table public.discord_invites enable row level security;
revoke all on table public.discord_invites from public, anon, authenticated, service_role;
grant select on table public.discord_invites to authenticated, service_role;
grant insert, update, delete on table public.discord_invites to service_role;

-- Owners and admins (who grant roles) see the invitations; nobody else. No client writes.
drop policy if exists discord_invites_read on public.discord_invites;
create policy discord_invites_read on public.discord_invites
  for select to authenticated using ((select app.can('members')));

-- Applies the pending invitation of `p_discord_id` to the account `p_user_id` when that account
-- has no grant yet (no global role, no institution role): grants the global role (admin or
-- viewer, never owner) and the institution roles of institutions still live, granted_by = who
-- invited; marks the invitation accepted; writes one audit entry (action invite_accepted).
-- Returns whether it applied. An account that already has access is left as it is.
create or replace function app.apply_discord_invite(p_user_id uuid, p_discord_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_invite public.discord_invites;
  v_global text;
  v_granted jsonb;
  v_name text;
begin
  if p_user_id is null or p_discord_id is null then
    return false;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.roles'));
  select * into v_invite from public.discord_invites d
   where d.discord_id = p_discord_id and d.accepted_at is null for update;
  if not found then
    return false;
  end if;
  if exists (select 1 from public.global_roles g where g.user_id = p_user_id)
     or exists (select 1 from public.institution_roles r where r.user_id = p_user_id) then
    return false;
  end if;

  if v_invite.global_role in ('admin', 'viewer') then
    insert into public.global_roles (user_id, role, granted_by, granted_at)
    values (p_user_id, v_invite.global_role, v_invite.invited_by, now());
    v_global := v_invite.global_role;
  end if;

  with wanted as (
    select distinct on (w.institution_id) w.institution_id, w.role
      from (select (x ->> 'institution_id')::numeric::bigint as institution_id, x ->> 'role' as role
              from pg_catalog.jsonb_array_elements(v_invite.institution_roles) as x
             where pg_catalog.jsonb_typeof(x -> 'institution_id') = 'number'
               and x ->> 'role' in ('leader', 'member')) w
     order by w.institution_id, w.role = 'member'
  ), granted as (
    insert into public.institution_roles (user_id, institution_id, role, granted_by, granted_at)
    select p_user_id, w.institution_id, w.role, v_invite.invited_by, now()
      from wanted w
      join public.institutions i on i.id = w.institution_id and i.deleted_at is null
    on conflict do nothing
    returning institution_id, role
  )
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('institution_id', g.institution_id,
                                                                     'role', g.role)
                                       order by g.institution_id), '[]'::jsonb)
    into v_granted
    from granted g;

  update public.discord_invites d set accepted_by = p_user_id, accepted_at = now()
   where d.discord_id = p_discord_id;

  select coalesce(nullif(p.display_name, ''), nullif(p.email, ''), p.id::text) into v_name
    from public.profiles p where p.id = p_user_id;
  insert into public.audit_log (actor_id, actor_name, action, entity_type, entity_id, entity_name,
                                old_value, new_value, details)
  values (v_invite.invited_by,
          case when v_invite.invited_by is null then 'system' else app.actor_name(v_invite.invited_by) end,
          'invite_accepted', 'account', p_user_id::text, coalesce(v_name, p_user_id::text),
          pg_catalog.jsonb_build_object('global_role', null, 'institutions', '[]'::jsonb),
          pg_catalog.jsonb_build_object('global_role', v_global, 'institutions', v_granted,
                                        'discord_id', p_discord_id),
          pg_catalog.format('invitation of Discord account %s%s applied: global role %s, %s institution role(s)',
                            p_discord_id,
                            coalesce(' (' || nullif(v_invite.username, '') || ')', ''),
                            coalesce(v_global, 'none'), pg_catalog.jsonb_array_length(v_granted)));
  return true;
end
$$;

-- AFTER INSERT OR UPDATE OF discord_id on profiles: an account that appears with (or newly gets)
-- an invited Discord id receives the invitation. Never fails the sign-in: a problem is a warning
-- and the invitation stays pending.
create or replace function app.tg_profile_discord_invite()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.discord_id is null then
    return null;
  end if;
  if tg_op = 'UPDATE' and old.discord_id is not distinct from new.discord_id then
    return null;
  end if;
  if not exists (select 1 from public.discord_invites d
                  where d.discord_id = new.discord_id and d.accepted_at is null) then
    return null;
  end if;
  begin
    perform app.apply_discord_invite(new.id, new.discord_id);
  exception when others then
    raise warning 'punctaj: the invitation of Discord account % was not applied: %', new.discord_id, sqlerrm;
  end;
  return null;
end
$$;

create or replace trigger punctaj_discord_invite
  after insert or update of discord_id on public.profiles
  for each row execute function app.tg_profile_discord_invite();

-- 3. The import -----------------------------------------------------------------------------------


-- A 22023 naming the element: `<where>: <problem>` (or `<where><problem>` when the problem starts
-- with '.', '[' or ':').
create or replace function app.import_fail(p_where text, p_problem text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  raise exception using errcode = '22023',
    message = case when pg_catalog.left(p_problem, 1) in ('.', '[', ':') then p_where || p_problem
                   else p_where || ': ' || p_problem end;
end
$$;

-- A JSON value as a message shows it: its JSON text, cut at 60 characters; `nothing` when absent.
create or replace function app.import_show(p_value jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_value is null then 'nothing'
    when pg_catalog.char_length(p_value::text) > 60 then pg_catalog.left(p_value::text, 60) || '…'
    else p_value::text
  end
$$;

-- Is the JSON value an integral number within [p_min, p_max]? (false for null, strings, …)
create or replace function app.import_int(p_value jsonb, p_min numeric, p_max numeric)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case
    when pg_catalog.jsonb_typeof(p_value) = 'number'
      then (p_value)::numeric between p_min and p_max
           and (p_value)::numeric = pg_catalog.trunc((p_value)::numeric)
    else false
  end
$$;

-- An ISO 8601 timestamp with an explicit offset (`2026-02-15T00:01:03Z`,
-- `2026-02-14T23:28:19.394423+00:00`), or null when the text is anything else. (The same format
-- is c_ts in import_legacy.)
create or replace function app.import_timestamp(p_value text)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_value is null
     or p_value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' then
    return null;
  end if;
  return p_value::timestamptz;
exception when others then
  return null;
end
$$;

-- Archive keys of imported archives, `p_prefix` being app.archive_key_prefix(city, institution):
-- the pre-reset key of app.is_archive_key, `<prefix>YYYY-MM-DD_HH-MM-SS.json`, or (after_reset)
-- the legacy proof-of-reset `<prefix>YYYY-MM-DD_HH-MM-SS_AFTER_RESET.json`; the stamp a real
-- date and time (UTC).
create or replace function app.is_import_archive_key(p_key text, p_prefix text, p_after_reset boolean)
returns boolean
language sql
stable
strict
set search_path = ''
as $$
  select pg_catalog.starts_with(p_key, p_prefix)
     and pg_catalog.substr(p_key, pg_catalog.length(p_prefix) + 1)
         ~ case when p_after_reset
                then '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}_AFTER_RESET\.json$'
                else '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}\.json$' end
     and app.import_timestamp(pg_catalog.substr(p_key, pg_catalog.length(p_prefix) + 1, 10) || 'T'
                              || pg_catalog.replace(pg_catalog.substr(p_key, pg_catalog.length(p_prefix) + 12, 8), '-', ':')
                              || 'Z') is not null
$$;

-- A label of the payload (a JSON string checked by app.check_label), or 22023 naming `p_where`.
create or replace function app.import_label(p_value jsonb, p_where text, p_max integer default 80)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if pg_catalog.jsonb_typeof(p_value) is distinct from 'string' then
    perform app.import_fail(p_where, pg_catalog.format('must be a string, got %s', app.import_show(p_value)));
  end if;
  return app.check_label(p_value #>> '{}', p_where, p_max);
end
$$;

-- A list of labels (ranks or columns) checked by `p_check` (app.check_ranks / app.check_columns);
-- null when the JSON value is null or absent; the messages prefixed with `p_where`.
create or replace function app.import_labels(p_value jsonb, p_where text, p_columns boolean)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_list text[];
begin
  if p_value is null or p_value = 'null'::jsonb then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(p_value) <> 'array'
     or exists (select 1 from pg_catalog.jsonb_array_elements(p_value) x
                 where pg_catalog.jsonb_typeof(x) <> 'string') then
    perform app.import_fail(p_where, pg_catalog.format('must be a list of names or null, got %s', app.import_show(p_value)));
  end if;
  if pg_catalog.jsonb_array_length(p_value) > 100 then
    perform app.import_fail(p_where, pg_catalog.format('at most 100 names, got %s', pg_catalog.jsonb_array_length(p_value)));
  end if;
  v_list := array(select x from pg_catalog.jsonb_array_elements_text(p_value) with ordinality as t(x, n) order by n);
  begin
    if p_columns then
      return app.check_columns(v_list);
    end if;
    return app.check_ranks(v_list);
  exception when sqlstate '22023' then
    perform app.import_fail(p_where, sqlerrm);
  end;
  return null;
end
$$;

-- A list of the payload: present, a JSON array, at most p_max items.
create or replace function app.import_list(p_payload jsonb, p_key text, p_max integer)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if not (p_payload ? p_key) then
    perform app.import_fail(p_key, 'is required (a list; [] when empty)');
  end if;
  if pg_catalog.jsonb_typeof(p_payload -> p_key) <> 'array' then
    perform app.import_fail(p_key, pg_catalog.format('must be a list, got %s', app.import_show(p_payload -> p_key)));
  end if;
  if pg_catalog.jsonb_array_length(p_payload -> p_key) > p_max then
    perform app.import_fail(p_key, pg_catalog.format('at most %s items in one import, got %s',
                                                     p_max, pg_catalog.jsonb_array_length(p_payload -> p_key)));
  end if;
  return p_payload -> p_key;
end
$$;

revoke execute on function app.apply_discord_invite(uuid, text) from public, anon, authenticated, service_role;
revoke execute on function app.tg_profile_discord_invite() from public, anon, authenticated, service_role;
revoke execute on function app.is_import_archive_key(text, text, boolean) from public, anon, authenticated;
revoke execute on function app.import_fail(text, text) from public, anon, authenticated;
revoke execute on function app.import_show(jsonb) from public, anon, authenticated;
revoke execute on function app.import_int(jsonb, numeric, numeric) from public, anon, authenticated;
revoke execute on function app.import_timestamp(text) from public, anon, authenticated;
revoke execute on function app.import_label(jsonb, text, integer) from public, anon, authenticated;
revoke execute on function app.import_labels(jsonb, text, boolean) from public, anon, authenticated;
revoke execute on function app.import_list(jsonb, text, integer) from public, anon, authenticated;

-- public.import_legacy ------------------------------------------------------------------------------
-- Owners and admins. Order: the permission; the payload's shape (nothing read yet); then, under
-- locks (the import's advisory lock, then cities → institutions, id order), every precondition;
-- only then any write; the version bump last. Any error rolls everything back.
-- Size: at most 500 cities, 5000 institutions, 50000 employees, 20000 archives, 50000 audit
-- entries and 10000 invitations per call, so that one call stays well inside Supabase's statement
-- timeout for `authenticated` (8 s): 6000 employees with 500 archives take about 0.4 s locally,
-- 60000 employees about 2.6 s. A larger folder is imported in parts (each part idempotent).
create or replace function public.import_legacy(p_payload jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  c_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  c_bigint constant numeric := 9223372036854775807;
  c_int constant numeric := 2147483647;
  -- The timestamp format of app.import_timestamp.
  c_ts constant text := '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$';
  v_uid uuid;
  v_role text;
  v_server text;
  v_tz text;
  v_files integer;
  v_cities jsonb;
  v_insts jsonb;
  v_emps jsonb;
  v_archives jsonb;
  v_audit jsonb;
  v_invites jsonb;
  v_n_cities integer;
  v_n_insts integer;
  v_n_invites integer;
  -- Per city / institution / invite of the payload, at (payload index + 1).
  v_c_id bigint[] := '{}';
  v_c_name text[] := '{}';
  v_c_new boolean[] := '{}';
  v_i_id bigint[] := '{}';
  v_i_city integer[] := '{}';        -- index into v_c_* (1-based)
  v_i_name text[] := '{}';
  v_i_new boolean[] := '{}';
  v_i_expected bigint[] := '{}';
  v_i_ranks jsonb[] := '{}';         -- the ranks to set (null: leave as they are)
  v_i_columns jsonb[] := '{}';       -- the columns to set (null: leave as they are)
  v_i_lpca timestamptz[] := '{}';    -- last_points_change_at to set (null: leave as it is)
  v_i_nranks integer[] := '{}';      -- the ladder's length after the import
  v_i_custom jsonb[] := '{}';        -- the custom columns after the import
  v_v_id text[] := '{}';
  v_v_username text[] := '{}';
  v_v_role text[] := '{}';
  v_v_insts jsonb[] := '{}';
  k integer;
  v_item jsonb;
  v_where text;
  v_id bigint;
  v_ranks text[];
  v_columns text[];
  v_lpca timestamptz;
  v_city public.cities;
  v_inst public.institutions;
  v_bad record;
  v_other text;
  v_roles jsonb;
  v_pending boolean;
  v_invite public.discord_invites;
  v_profile uuid;
  v_cities_created bigint := 0;
  v_institutions_created bigint := 0;
  v_institutions_updated bigint := 0;
  v_employees_created bigint := 0;
  v_employees_updated bigint := 0;
  v_archives_recorded bigint := 0;
  v_audit_imported bigint := 0;
  v_invites_saved bigint := 0;
  v_counts jsonb;
  v_synced boolean;
  v_result jsonb;
  v_slow_ts boolean;
begin
  v_uid := app.require('structure', null, 'import_legacy');
  v_role := app.global_role();

  -- The payload's shape --------------------------------------------------------------------------
  if p_payload is null or pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    raise exception using errcode = '22023',
      message = pg_catalog.format('p_payload must be a JSON object (the import payload), got %s', app.import_show(p_payload));
  end if;
  v_cities := app.import_list(p_payload, 'cities', 500);
  v_insts := app.import_list(p_payload, 'institutions', 5000);
  v_emps := app.import_list(p_payload, 'employees', 50000);
  v_archives := app.import_list(p_payload, 'archives', 20000);
  v_audit := app.import_list(p_payload, 'audit', 50000);
  v_invites := app.import_list(p_payload, 'invites', 10000);
  v_n_cities := pg_catalog.jsonb_array_length(v_cities);
  v_n_insts := pg_catalog.jsonb_array_length(v_insts);
  v_n_invites := pg_catalog.jsonb_array_length(v_invites);
  if v_n_invites > 0 then
    perform app.require('members', null, 'import_legacy (invites)');
  end if;

  if pg_catalog.jsonb_typeof(p_payload -> 'server') = 'string' then
    v_server := app.check_label(p_payload ->> 'server', 'server', 100);
  elsif pg_catalog.jsonb_typeof(p_payload -> 'server') is distinct from 'null' and p_payload ? 'server' then
    perform app.import_fail('server', pg_catalog.format('must be a string or null, got %s', app.import_show(p_payload -> 'server')));
  end if;
  if pg_catalog.jsonb_typeof(p_payload -> 'time_zone') = 'string' then
    v_tz := p_payload ->> 'time_zone';
    if pg_catalog.char_length(v_tz) > 64
       or not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = v_tz) then
      perform app.import_fail('time_zone', pg_catalog.format('unknown time zone %s', app.import_show(p_payload -> 'time_zone')));
    end if;
  elsif pg_catalog.jsonb_typeof(p_payload -> 'time_zone') is distinct from 'null' and p_payload ? 'time_zone' then
    perform app.import_fail('time_zone', pg_catalog.format('must be a time zone name or null, got %s', app.import_show(p_payload -> 'time_zone')));
  end if;
  if app.import_int(p_payload -> 'files', 0, 10000000) then
    v_files := (p_payload ->> 'files')::numeric::integer;
  elsif pg_catalog.jsonb_typeof(p_payload -> 'files') is distinct from 'null' and p_payload ? 'files' then
    perform app.import_fail('files', pg_catalog.format('must be a number of files or null, got %s', app.import_show(p_payload -> 'files')));
  end if;

  -- cities
  for k in 1 .. v_n_cities loop
    v_item := v_cities -> (k - 1);
    v_where := pg_catalog.format('cities[%s]', k - 1);
    if pg_catalog.jsonb_typeof(v_item) is distinct from 'object' then
      perform app.import_fail(v_where, pg_catalog.format('must be an object {"id", "name"}, got %s', app.import_show(v_item)));
    end if;
    if not (v_item ? 'id') then
      perform app.import_fail(v_where, '.id is required (null for a city to create)');
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'id') <> 'null' and not app.import_int(v_item -> 'id', 1, c_bigint) then
      perform app.import_fail(v_where, pg_catalog.format('.id: must be a city id or null, got %s', app.import_show(v_item -> 'id')));
    end if;
    v_c_name[k] := app.import_label(v_item -> 'name', v_where || '.name');
    v_c_id[k] := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'number' then (v_item ->> 'id')::numeric::bigint end;
    v_c_new[k] := v_c_id[k] is null;
  end loop;
  select pg_catalog.array_agg(x.k - 1 order by x.k) as idx, x.id into v_bad
    from unnest(v_c_id) with ordinality as x(id, k)
   where x.id is not null group by x.id having count(*) > 1 order by min(x.k) limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('cities[%s]', v_bad.idx[2]),
                            pg_catalog.format('city %s is already cities[%s]', v_bad.id, v_bad.idx[1]));
  end if;
  select pg_catalog.array_agg(x.k - 1 order by x.k) as idx into v_bad
    from unnest(v_c_name, v_c_new) with ordinality as x(name, is_new, k)
   where x.is_new group by pg_catalog.lower(x.name) having count(*) > 1 order by min(x.k) limit 1;
  if not found then
    select pg_catalog.array_agg(x.k - 1 order by x.k) as idx into v_bad
      from unnest(v_c_name, v_c_new) with ordinality as x(name, is_new, k)
     where x.is_new group by app.slug(x.name) having count(*) > 1 order by min(x.k) limit 1;
  end if;
  if v_bad.idx is not null then
    perform app.import_fail(pg_catalog.format('cities[%s]', v_bad.idx[2]),
                            pg_catalog.format('the same name as cities[%s] (or one sharing its archive folder)', v_bad.idx[1]));
  end if;

  -- institutions
  for k in 1 .. v_n_insts loop
    v_item := v_insts -> (k - 1);
    v_where := pg_catalog.format('institutions[%s]', k - 1);
    if pg_catalog.jsonb_typeof(v_item) is distinct from 'object' then
      perform app.import_fail(v_where, pg_catalog.format('must be an object {"id", "city", "name", …}, got %s', app.import_show(v_item)));
    end if;
    if not (v_item ? 'id') then
      perform app.import_fail(v_where, '.id is required (null for an institution to create)');
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'id') <> 'null' and not app.import_int(v_item -> 'id', 1, c_bigint) then
      perform app.import_fail(v_where, pg_catalog.format('.id: must be an institution id or null, got %s', app.import_show(v_item -> 'id')));
    end if;
    if not app.import_int(v_item -> 'city', 0, v_n_cities - 1) then
      perform app.import_fail(v_where, pg_catalog.format('.city: must be an index into cities (%s), got %s',
                                                         case when v_n_cities = 0 then 'which is empty'
                                                              else '0..' || (v_n_cities - 1) end,
                                                         app.import_show(v_item -> 'city')));
    end if;
    v_i_name[k] := app.import_label(v_item -> 'name', v_where || '.name');
    v_i_id[k] := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'number' then (v_item ->> 'id')::numeric::bigint end;
    v_i_new[k] := v_i_id[k] is null;
    v_i_city[k] := (v_item ->> 'city')::numeric::integer + 1;
    v_ranks := app.import_labels(v_item -> 'ranks', v_where || '.ranks', false);
    v_columns := app.import_labels(v_item -> 'columns', v_where || '.columns', true);
    v_lpca := null;
    if pg_catalog.jsonb_typeof(v_item -> 'last_points_change_at') = 'string' then
      v_lpca := app.import_timestamp(v_item ->> 'last_points_change_at');
    end if;
    if v_lpca is null and coalesce(pg_catalog.jsonb_typeof(v_item -> 'last_points_change_at'), 'null') <> 'null' then
      perform app.import_fail(v_where, pg_catalog.format(
        '.last_points_change_at: must be an ISO 8601 timestamp with an offset (e.g. 2026-02-15T00:01:43Z) or null, got %s',
        app.import_show(v_item -> 'last_points_change_at')));
    end if;
    if v_i_new[k] then
      if v_ranks is null then
        perform app.import_fail(v_where, '.ranks: required for an institution to create');
      end if;
      if v_columns is null then
        perform app.import_fail(v_where, '.columns: required for an institution to create');
      end if;
      v_i_expected[k] := null;
    else
      if not app.import_int(v_item -> 'expected_revision', 1, c_bigint) then
        perform app.import_fail(v_where, pg_catalog.format(
          '.expected_revision: required for an existing institution (the revision the preview saw), got %s',
          app.import_show(v_item -> 'expected_revision')));
      end if;
      v_i_expected[k] := (v_item ->> 'expected_revision')::numeric::bigint;
      if v_c_new[v_i_city[k]] then
        perform app.import_fail(v_where, pg_catalog.format('institution %s cannot be in cities[%s], a city to create',
                                                           v_i_id[k], v_i_city[k] - 1));
      end if;
    end if;
    v_i_ranks[k] := pg_catalog.to_jsonb(v_ranks);
    v_i_columns[k] := pg_catalog.to_jsonb(v_columns);
    v_i_lpca[k] := v_lpca;
  end loop;
  select pg_catalog.array_agg(x.k - 1 order by x.k) as idx, x.id into v_bad
    from unnest(v_i_id) with ordinality as x(id, k)
   where x.id is not null group by x.id having count(*) > 1 order by min(x.k) limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('institutions[%s]', v_bad.idx[2]),
                            pg_catalog.format('institution %s is already institutions[%s]', v_bad.id, v_bad.idx[1]));
  end if;
  select pg_catalog.array_agg(x.k - 1 order by x.k) as idx into v_bad
    from unnest(v_i_name, v_i_new, v_i_city) with ordinality as x(name, is_new, city, k)
   where x.is_new group by x.city, pg_catalog.lower(x.name) having count(*) > 1 order by min(x.k) limit 1;
  if not found then
    select pg_catalog.array_agg(x.k - 1 order by x.k) as idx into v_bad
      from unnest(v_i_name, v_i_new, v_i_city) with ordinality as x(name, is_new, city, k)
     where x.is_new group by x.city, app.slug(x.name) having count(*) > 1 order by min(x.k) limit 1;
  end if;
  if v_bad.idx is not null then
    perform app.import_fail(pg_catalog.format('institutions[%s]', v_bad.idx[2]),
                            pg_catalog.format('the same name as institutions[%s] in the same city (or one sharing its archive folder)', v_bad.idx[1]));
  end if;

  -- The big lists are checked by set-based queries, typed values extracted once per item (no
  -- function call per item). Timestamps: their format per item (c_ts); whether they are real dates
  -- and times, by one cast of them all — per item (app.import_timestamp) only when it fails.
  begin
    perform count((x ->> 'ultima_mod')::timestamptz) from pg_catalog.jsonb_array_elements(v_emps) as x
     where pg_catalog.jsonb_typeof(x -> 'ultima_mod') = 'string' and x ->> 'ultima_mod' ~ c_ts;
    perform count((x ->> 'archived_at')::timestamptz) from pg_catalog.jsonb_array_elements(v_archives) as x
     where pg_catalog.jsonb_typeof(x -> 'archived_at') = 'string' and x ->> 'archived_at' ~ c_ts;
    perform count((x ->> 'at')::timestamptz) from pg_catalog.jsonb_array_elements(v_audit) as x
     where pg_catalog.jsonb_typeof(x -> 'at') = 'string' and x ->> 'at' ~ c_ts;
    v_slow_ts := false;
  exception when others then
    v_slow_ts := true;
  end;

  -- employees: types and indexes
  select q.idx, q.problem into v_bad
    from (select x.n - 1 as idx, case
            when pg_catalog.jsonb_typeof(x.v) is distinct from 'object' then
              pg_catalog.format(': must be an object {"id", "institution", "rank", "punctaj", "ultima_mod", "fields"}, got %s', app.import_show(x.v))
            when not (x.v ? 'id') then '.id is required (null for an employee to create)'
            when pg_catalog.jsonb_typeof(x.v -> 'id') not in ('null', 'string')
                 or (pg_catalog.jsonb_typeof(x.v -> 'id') = 'string' and x.v ->> 'id' !~ c_uuid) then
              pg_catalog.format('.id: must be an employee id (UUID) or null, got %s', app.import_show(x.v -> 'id'))
            when t.inst is null or t.inst <> pg_catalog.trunc(t.inst) or t.inst < 0 or t.inst >= v_n_insts then
              pg_catalog.format('.institution: must be an index into institutions (%s), got %s',
                                case when v_n_insts = 0 then 'which is empty' else '0..' || (v_n_insts - 1) end,
                                app.import_show(x.v -> 'institution'))
            when t.rank is null or t.rank <> pg_catalog.trunc(t.rank) or t.rank < 1 or t.rank > c_int then
              pg_catalog.format('.rank: must be a rank number (1, 2, …), got %s', app.import_show(x.v -> 'rank'))
            when t.punctaj is null or t.punctaj <> pg_catalog.trunc(t.punctaj) or t.punctaj < 0 or t.punctaj > c_int then
              pg_catalog.format('.punctaj: must be an integer between 0 and %s, got %s', c_int, app.import_show(x.v -> 'punctaj'))
            when pg_catalog.jsonb_typeof(x.v -> 'ultima_mod') not in ('null', 'string')
                 or (pg_catalog.jsonb_typeof(x.v -> 'ultima_mod') = 'string'
                     and (x.v ->> 'ultima_mod' !~ c_ts
                          or (v_slow_ts and app.import_timestamp(x.v ->> 'ultima_mod') is null))) then
              pg_catalog.format('.ultima_mod: must be an ISO 8601 timestamp with an offset (e.g. 2026-02-15T00:01:03Z) or null, got %s',
                                app.import_show(x.v -> 'ultima_mod'))
            when pg_catalog.jsonb_typeof(x.v -> 'fields') not in ('null', 'object') then
              pg_catalog.format('.fields: must be an object (custom column → text), got %s', app.import_show(x.v -> 'fields'))
          end as problem
            from pg_catalog.jsonb_array_elements(v_emps) with ordinality as x(v, n)
            cross join lateral (
              select case when pg_catalog.jsonb_typeof(x.v -> 'institution') = 'number' then (x.v -> 'institution')::numeric end as inst,
                     case when pg_catalog.jsonb_typeof(x.v -> 'rank') = 'number' then (x.v -> 'rank')::numeric end as rank,
                     case when pg_catalog.jsonb_typeof(x.v -> 'punctaj') = 'number' then (x.v -> 'punctaj')::numeric end as punctaj) t) q
   where q.problem is not null
   order by q.idx limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('employees[%s]', v_bad.idx), v_bad.problem);
  end if;
  select pg_catalog.array_agg(x.n - 1 order by x.n) as idx, pg_catalog.lower(x.v ->> 'id') as id into v_bad
    from pg_catalog.jsonb_array_elements(v_emps) with ordinality as x(v, n)
   where x.v ->> 'id' is not null
   group by pg_catalog.lower(x.v ->> 'id') having count(*) > 1 order by min(x.n) limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('employees[%s]', v_bad.idx[2]),
                            pg_catalog.format('employee %s is already employees[%s]', v_bad.id, v_bad.idx[1]));
  end if;

  -- archives: types and indexes
  select q.idx, q.problem into v_bad
    from (select x.n - 1 as idx, case
            when pg_catalog.jsonb_typeof(x.v) is distinct from 'object' then
              pg_catalog.format(': must be an object {"object_path", "institution", "archived_at", …}, got %s', app.import_show(x.v))
            when pg_catalog.jsonb_typeof(x.v -> 'object_path') is distinct from 'string'
                 or pg_catalog.char_length(x.v ->> 'object_path') > 1024 then
              pg_catalog.format('.object_path: must be the key of the archive in bucket arhiva, got %s', app.import_show(x.v -> 'object_path'))
            when t.inst is null or t.inst <> pg_catalog.trunc(t.inst) or t.inst < 0 or t.inst >= v_n_insts then
              pg_catalog.format('.institution: must be an index into institutions (%s), got %s',
                                case when v_n_insts = 0 then 'which is empty' else '0..' || (v_n_insts - 1) end,
                                app.import_show(x.v -> 'institution'))
            when pg_catalog.jsonb_typeof(x.v -> 'archived_at') is distinct from 'string'
                 or x.v ->> 'archived_at' !~ c_ts
                 or (v_slow_ts and app.import_timestamp(x.v ->> 'archived_at') is null) then
              pg_catalog.format('.archived_at: must be an ISO 8601 timestamp with an offset (e.g. 2026-02-18T16:13:47Z), got %s',
                                app.import_show(x.v -> 'archived_at'))
            when pg_catalog.jsonb_typeof(x.v -> 'reset_by_name') not in ('null', 'string')
                 or pg_catalog.char_length(x.v ->> 'reset_by_name') > 200 then
              pg_catalog.format('.reset_by_name: must be a name (at most 200 characters) or null, got %s', app.import_show(x.v -> 'reset_by_name'))
            when pg_catalog.jsonb_typeof(x.v -> 'employee_count') <> 'null'
                 and (t.employees is null or t.employees <> pg_catalog.trunc(t.employees) or t.employees < 0 or t.employees > c_int) then
              pg_catalog.format('.employee_count: must be an integer ≥ 0, got %s', app.import_show(x.v -> 'employee_count'))
            when pg_catalog.jsonb_typeof(x.v -> 'total_points') <> 'null'
                 and (t.points is null or t.points <> pg_catalog.trunc(t.points) or t.points < 0 or t.points > c_bigint) then
              pg_catalog.format('.total_points: must be an integer ≥ 0, got %s', app.import_show(x.v -> 'total_points'))
            when pg_catalog.jsonb_typeof(x.v -> 'after_reset') not in ('null', 'boolean') then
              pg_catalog.format('.after_reset: must be true or false, got %s', app.import_show(x.v -> 'after_reset'))
          end as problem
            from pg_catalog.jsonb_array_elements(v_archives) with ordinality as x(v, n)
            cross join lateral (
              select case when pg_catalog.jsonb_typeof(x.v -> 'institution') = 'number' then (x.v -> 'institution')::numeric end as inst,
                     case when pg_catalog.jsonb_typeof(x.v -> 'employee_count') = 'number' then (x.v -> 'employee_count')::numeric end as employees,
                     case when pg_catalog.jsonb_typeof(x.v -> 'total_points') = 'number' then (x.v -> 'total_points')::numeric end as points) t) q
   where q.problem is not null
   order by q.idx limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('archives[%s]', v_bad.idx), v_bad.problem);
  end if;
  select pg_catalog.array_agg(x.n - 1 order by x.n) as idx, x.v ->> 'object_path' as path into v_bad
    from pg_catalog.jsonb_array_elements(v_archives) with ordinality as x(v, n)
   group by x.v ->> 'object_path' having count(*) > 1 order by min(x.n) limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('archives[%s]', v_bad.idx[2]),
                            pg_catalog.format('.object_path: %s is already archives[%s]', v_bad.path, v_bad.idx[1]));
  end if;

  -- audit: types
  select q.idx, q.problem into v_bad
    from (select x.n - 1 as idx, case
            when pg_catalog.jsonb_typeof(x.v) is distinct from 'object' then
              pg_catalog.format(': must be an object {"legacy_id", "at", "action", …}, got %s', app.import_show(x.v))
            when t.id is null or t.id <> pg_catalog.trunc(t.id) or t.id < 0 or t.id > c_bigint then
              pg_catalog.format('.legacy_id: must be the entry''s id in audit_logs.json (an integer ≥ 0), got %s', app.import_show(x.v -> 'legacy_id'))
            when pg_catalog.jsonb_typeof(x.v -> 'at') is distinct from 'string' or x.v ->> 'at' !~ c_ts
                 or (v_slow_ts and app.import_timestamp(x.v ->> 'at') is null) then
              pg_catalog.format('.at: must be an ISO 8601 timestamp with an offset (e.g. 2026-02-14T21:28:19Z), got %s', app.import_show(x.v -> 'at'))
            when pg_catalog.jsonb_typeof(x.v -> 'action') is distinct from 'string'
                 or pg_catalog.btrim(x.v ->> 'action') = '' or pg_catalog.char_length(x.v ->> 'action') > 100 then
              pg_catalog.format('.action: must be the legacy action type (1 to 100 characters), got %s', app.import_show(x.v -> 'action'))
            when k.key is not null then
              pg_catalog.format('.%s: must be text of at most 200 characters or null, got %s', k.key, app.import_show(x.v -> k.key))
            when pg_catalog.jsonb_typeof(x.v -> 'details') not in ('null', 'string')
                 or pg_catalog.char_length(x.v ->> 'details') > 10000 then
              pg_catalog.format('.details: must be text of at most 10000 characters or null, got %s', app.import_show(x.v -> 'details'))
          end as problem
            from pg_catalog.jsonb_array_elements(v_audit) with ordinality as x(v, n)
            cross join lateral (
              select case when pg_catalog.jsonb_typeof(x.v -> 'legacy_id') = 'number' then (x.v -> 'legacy_id')::numeric end as id) t
            left join lateral (
              select k.key from unnest(array['actor_name', 'discord_id', 'city', 'institution', 'entity_name'])
                                with ordinality as k(key, o)
               where pg_catalog.jsonb_typeof(x.v) = 'object'
                 and (pg_catalog.jsonb_typeof(x.v -> k.key) not in ('null', 'string')
                      or pg_catalog.char_length(x.v ->> k.key) > 200)
               order by k.o limit 1) k on true) q
   where q.problem is not null
   order by q.idx limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('audit[%s]', v_bad.idx), v_bad.problem);
  end if;

  -- invites
  for k in 1 .. v_n_invites loop
    v_item := v_invites -> (k - 1);
    v_where := pg_catalog.format('invites[%s]', k - 1);
    if pg_catalog.jsonb_typeof(v_item) is distinct from 'object' then
      perform app.import_fail(v_where, pg_catalog.format('must be an object {"discord_id", "username", "global_role", "institutions"}, got %s',
                                                         app.import_show(v_item)));
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'discord_id') is distinct from 'string'
       or v_item ->> 'discord_id' !~ '^[0-9]{5,25}$' then
      perform app.import_fail(v_where, pg_catalog.format('.discord_id: must be a Discord id (5 to 25 digits), got %s',
                                                         app.import_show(v_item -> 'discord_id')));
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'username') not in ('null', 'string')
       or pg_catalog.char_length(v_item ->> 'username') > 100 then
      perform app.import_fail(v_where, pg_catalog.format('.username: must be a name of at most 100 characters or null, got %s',
                                                         app.import_show(v_item -> 'username')));
    end if;
    if v_item ->> 'global_role' = 'owner' then
      perform app.import_fail(v_where, '.global_role: an import never grants owner (admin, viewer or null)');
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'global_role') not in ('null', 'string')
       or v_item ->> 'global_role' not in ('admin', 'viewer') then
      perform app.import_fail(v_where, pg_catalog.format('.global_role: must be admin, viewer or null, got %s',
                                                         app.import_show(v_item -> 'global_role')));
    end if;
    if v_item ->> 'global_role' = 'admin' and v_role is distinct from 'owner' then
      raise exception using errcode = '42501',
        message = pg_catalog.format('permission denied: import_legacy — only an owner can invite with the admin role (%s)', v_where);
    end if;
    if pg_catalog.jsonb_typeof(v_item -> 'institutions') not in ('null', 'array') then
      perform app.import_fail(v_where, pg_catalog.format('.institutions: must be a list of {"institution", "role"}, got %s',
                                                         app.import_show(v_item -> 'institutions')));
    end if;
    select q.n - 1 as idx, q.problem into v_bad
      from (select r.n, case
              when pg_catalog.jsonb_typeof(r.v) is distinct from 'object' then
                pg_catalog.format(': must be an object {"institution", "role"}, got %s', app.import_show(r.v))
              when not app.import_int(r.v -> 'institution', 0, v_n_insts - 1) then
                pg_catalog.format('.institution: must be an index into institutions (%s), got %s',
                                  case when v_n_insts = 0 then 'which is empty' else '0..' || (v_n_insts - 1) end,
                                  app.import_show(r.v -> 'institution'))
              when pg_catalog.jsonb_typeof(r.v -> 'role') is distinct from 'string' or r.v ->> 'role' not in ('leader', 'member') then
                pg_catalog.format('.role: must be leader or member, got %s', app.import_show(r.v -> 'role'))
              when count(*) over (partition by r.v -> 'institution') > 1 then
                ': the same institution twice'
            end as problem
              from pg_catalog.jsonb_array_elements(case when pg_catalog.jsonb_typeof(v_item -> 'institutions') = 'array'
                                                        then v_item -> 'institutions' else '[]'::jsonb end)
                   with ordinality as r(v, n)) q
     where q.problem is not null
     order by q.n limit 1;
    if found then
      perform app.import_fail(pg_catalog.format('%s.institutions[%s]', v_where, v_bad.idx), v_bad.problem);
    end if;
    if (v_item ->> 'discord_id') = any (v_v_id) then
      perform app.import_fail(v_where, pg_catalog.format('.discord_id: %s is already invites[%s]', v_item ->> 'discord_id',
                                                         pg_catalog.array_position(v_v_id, v_item ->> 'discord_id') - 1));
    end if;
    v_v_id[k] := v_item ->> 'discord_id';
    v_v_username[k] := nullif(pg_catalog.btrim(v_item ->> 'username'), '');
    v_v_role[k] := v_item ->> 'global_role';
    v_v_insts[k] := case when pg_catalog.jsonb_typeof(v_item -> 'institutions') = 'array'
                         then v_item -> 'institutions' else '[]'::jsonb end;
  end loop;

  -- Preconditions, under locks ---------------------------------------------------------------------
  -- One import at a time; then cities → institutions in id order (the lock order of 0004).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.import_legacy'));
  perform 1 from public.cities c where c.id = any (v_c_id) order by c.id for share;
  perform 1 from public.institutions i where i.id = any (v_i_id) order by i.id for update;

  for k in 1 .. v_n_cities loop
    v_where := pg_catalog.format('cities[%s]', k - 1);
    if not v_c_new[k] then
      select * into v_city from public.cities c where c.id = v_c_id[k];
      if not found or v_city.deleted_at is not null then
        raise exception using errcode = 'PT404',
          message = pg_catalog.format('%s: city %s not found or deleted; download and preview again', v_where, v_c_id[k]);
      end if;
      if not app.same_name(v_city.name, v_c_name[k]) then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('%s: city %s is now named "%s", not "%s"; download and preview again',
                                      v_where, v_c_id[k], v_city.name, v_c_name[k]);
      end if;
      v_c_name[k] := v_city.name;
    else
      select c.name into v_other from public.cities c
       where c.deleted_at is null and app.same_name(c.name, v_c_name[k])
       order by c.id limit 1;
      if found then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('%s: city "%s" already exists%s; download and preview again', v_where, v_c_name[k],
                                      case when v_other <> v_c_name[k] then pg_catalog.format(' (as "%s")', v_other) else '' end);
      end if;
    end if;
  end loop;

  for k in 1 .. v_n_insts loop
    v_where := pg_catalog.format('institutions[%s]', k - 1);
    if not v_i_new[k] then
      select * into v_inst from public.institutions i where i.id = v_i_id[k];
      if not found or v_inst.deleted_at is not null then
        raise exception using errcode = 'PT404',
          message = pg_catalog.format('%s: institution %s not found or deleted; download and preview again', v_where, v_i_id[k]);
      end if;
      if v_inst.city_id <> v_c_id[v_i_city[k]] then
        raise exception using errcode = '22023',
          message = pg_catalog.format('%s: institution %s ("%s") is not in city %s (cities[%s])',
                                      v_where, v_inst.id, v_inst.name, v_c_id[v_i_city[k]], v_i_city[k] - 1);
      end if;
      if not app.same_name(v_inst.name, v_i_name[k]) then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('%s: institution %s is now named "%s", not "%s"; download and preview again',
                                      v_where, v_inst.id, v_inst.name, v_i_name[k]);
      end if;
      if v_inst.revision <> v_i_expected[k] then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('%s: institution "%s" changed since the preview (points, members or structure); download and preview again',
                                      v_where, v_inst.name),
          detail = pg_catalog.format('expected revision %s, current revision %s', v_i_expected[k], v_inst.revision);
      end if;
      v_i_name[k] := v_inst.name;
      v_ranks := array(select x from pg_catalog.jsonb_array_elements_text(v_i_ranks[k]) with ordinality as t(x, n) order by n);
      if v_i_ranks[k] is null or v_ranks = v_inst.ranks then
        v_i_ranks[k] := null;
        v_ranks := v_inst.ranks;
      end if;
      v_columns := array(select x from pg_catalog.jsonb_array_elements_text(v_i_columns[k]) with ordinality as t(x, n) order by n);
      if v_i_columns[k] is null or v_columns = v_inst.columns then
        v_i_columns[k] := null;
        v_columns := v_inst.columns;
      end if;
      if v_i_lpca[k] <= v_inst.last_points_change_at then
        v_i_lpca[k] := null;
      end if;
    else
      v_ranks := array(select x from pg_catalog.jsonb_array_elements_text(v_i_ranks[k]) with ordinality as t(x, n) order by n);
      v_columns := array(select x from pg_catalog.jsonb_array_elements_text(v_i_columns[k]) with ordinality as t(x, n) order by n);
      if not v_c_new[v_i_city[k]] then
        select i.name into v_other from public.institutions i
         where i.city_id = v_c_id[v_i_city[k]] and i.deleted_at is null and app.same_name(i.name, v_i_name[k])
         order by i.id limit 1;
        if found then
          raise exception using errcode = 'PT409',
            message = pg_catalog.format('%s: institution "%s" already exists in "%s"%s; download and preview again',
                                        v_where, v_i_name[k], v_c_name[v_i_city[k]],
                                        case when v_other <> v_i_name[k] then pg_catalog.format(' (as "%s")', v_other) else '' end);
        end if;
      end if;
    end if;
    v_i_nranks[k] := pg_catalog.cardinality(v_ranks);
    v_i_custom[k] := pg_catalog.to_jsonb(app.custom_columns(v_columns));
  end loop;

  -- employees: against the institutions' ladders and columns after the import
  select q.idx, q.problem into v_bad
    from (select x.n - 1 as idx, case
            when x.v ->> 'id' is not null and u.is_new then
              pg_catalog.format('.id: must be null for an employee of institutions[%s], an institution to create', u.k - 1)
            when (x.v ->> 'rank')::numeric > u.nranks then
              pg_catalog.format('.rank: must be between 1 and %s (the ranks of "%s"), got %s', u.nranks, u.name, x.v ->> 'rank')
            else f.problem
          end as problem
            from pg_catalog.jsonb_array_elements(v_emps) with ordinality as x(v, n)
            join unnest(v_i_name, v_i_new, v_i_nranks, v_i_custom) with ordinality as u(name, is_new, nranks, custom, k)
              on u.k = (x.v ->> 'institution')::numeric::integer + 1
            left join lateral (
              select s.problem
                from (select f.key, case
                        when not (u.custom ? f.key) then
                          pg_catalog.format('.fields: "%s" is not a custom column of "%s" (custom columns: %s)', f.key, u.name,
                                            coalesce(nullif((select pg_catalog.string_agg(c, ', ')
                                                               from pg_catalog.jsonb_array_elements_text(u.custom) as c), ''), 'none'))
                        when pg_catalog.jsonb_typeof(f.value) <> 'string' then
                          pg_catalog.format('.fields: the value of "%s" must be a string, got %s', f.key, app.import_show(f.value))
                        when pg_catalog.char_length(f.value #>> '{}') > 200 then
                          pg_catalog.format('.fields: the value of "%s" is too long (at most 200 characters)', f.key)
                      end as problem
                        from pg_catalog.jsonb_each(case when pg_catalog.jsonb_typeof(x.v -> 'fields') = 'object'
                                                        then x.v -> 'fields' else '{}'::jsonb end) as f(key, value)) s
               where s.problem is not null
               order by s.key limit 1) f on true) q
   where q.problem is not null
   order by q.idx limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('employees[%s]', v_bad.idx), v_bad.problem);
  end if;
  -- … live members of the institution named
  select x.n - 1 as idx, x.v ->> 'id' as id, u.name into v_bad
    from pg_catalog.jsonb_array_elements(v_emps) with ordinality as x(v, n)
    join unnest(v_i_id, v_i_name) with ordinality as u(id, name, k)
      on u.k = (x.v ->> 'institution')::numeric::integer + 1
    left join public.employees e on e.id = (x.v ->> 'id')::uuid
   where x.v ->> 'id' is not null
     and (e.id is null or e.deleted_at is not null or e.institution_id <> u.id)
   order by x.n limit 1;
  if found then
    raise exception using errcode = 'PT404',
      message = pg_catalog.format('employees[%s]: employee %s is not a live member of "%s" (deleted or moved since the preview); download and preview again',
                                  v_bad.idx, v_bad.id, v_bad.name);
  end if;
  -- … and a shorter ladder leaves nobody above it.
  select u.k - 1 as idx, u.name, u.nranks, count(*) as n, max(e.rank) as top into v_bad
    from unnest(v_i_id, v_i_name, v_i_nranks, v_i_ranks) with ordinality as u(id, name, nranks, ranks, k)
    join public.employees e on e.institution_id = u.id and e.deleted_at is null and e.rank > u.nranks
    left join (select (x ->> 'id')::uuid as id
                 from pg_catalog.jsonb_array_elements(v_emps) as x
                where x ->> 'id' is not null) p on p.id = e.id
   where u.ranks is not null and u.id is not null and p.id is null
   group by u.k, u.name, u.nranks
   order by u.k limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('institutions[%s]', v_bad.idx), pg_catalog.format(
      '.ranks: cannot shrink the ladder of "%s" to %s ranks: %s member(s) still hold a higher rank (highest: %s); change their rank too',
      v_bad.name, v_bad.nranks, v_bad.n, v_bad.top));
  end if;

  -- archives: their keys (the names as stored, or as created) and their objects
  with prefixes as materialized (
    select u.k, app.archive_key_prefix(c.name, u.name) as prefix
      from unnest(v_i_name, v_i_city) with ordinality as u(name, city, k)
      join unnest(v_c_name) with ordinality as c(name, k) on c.k = u.city
     where u.k in (select (a ->> 'institution')::numeric::integer + 1
                     from pg_catalog.jsonb_array_elements(v_archives) as a)
  )
  select x.n - 1 as idx, x.v ->> 'object_path' as path, p.k - 1 as inst, p.prefix,
         coalesce((x.v ->> 'after_reset')::boolean, false) as after_reset into v_bad
    from pg_catalog.jsonb_array_elements(v_archives) with ordinality as x(v, n)
    join prefixes p on p.k = (x.v ->> 'institution')::numeric::integer + 1
   where not app.is_import_archive_key(x.v ->> 'object_path', p.prefix, coalesce((x.v ->> 'after_reset')::boolean, false))
   order by x.n limit 1;
  if found then
    perform app.import_fail(pg_catalog.format('archives[%s]', v_bad.idx), pg_catalog.format(
      '.object_path: must be %sYYYY-MM-DD_HH-MM-SS%s.json (a valid UTC date and time) for institutions[%s], got %s',
      v_bad.prefix, case when v_bad.after_reset then '_AFTER_RESET' else '' end, v_bad.inst,
      app.import_show(pg_catalog.to_jsonb(v_bad.path))));
  end if;
  select x.n - 1 as idx, x.v ->> 'object_path' as path into v_bad
    from pg_catalog.jsonb_array_elements(v_archives) with ordinality as x(v, n)
   where not exists (select 1 from storage.objects o
                      where o.bucket_id = 'arhiva' and o.name = x.v ->> 'object_path')
   order by x.n limit 1;
  if found then
    raise exception using errcode = 'PT404',
      message = pg_catalog.format('archives[%s]: archive %s not found in bucket arhiva; upload it first', v_bad.idx, v_bad.path);
  end if;

  -- Writes -----------------------------------------------------------------------------------------
  for k in 1 .. v_n_cities loop
    if v_c_new[k] then
      insert into public.cities (name) values (v_c_name[k]) on conflict do nothing returning id into v_id;
      if v_id is null then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('cities[%s]: city "%s" already exists; download and preview again', k - 1, v_c_name[k]);
      end if;
      v_c_id[k] := v_id;
      v_cities_created := v_cities_created + 1;
    end if;
  end loop;

  for k in 1 .. v_n_insts loop
    if v_i_new[k] then
      insert into public.institutions (city_id, name, ranks, columns, last_points_change_at)
      values (v_c_id[v_i_city[k]], v_i_name[k],
              array(select x from pg_catalog.jsonb_array_elements_text(v_i_ranks[k]) with ordinality as t(x, n) order by n),
              array(select x from pg_catalog.jsonb_array_elements_text(v_i_columns[k]) with ordinality as t(x, n) order by n),
              v_i_lpca[k])
      on conflict do nothing
      returning id into v_id;
      if v_id is null then
        raise exception using errcode = 'PT409',
          message = pg_catalog.format('institutions[%s]: institution "%s" already exists in "%s"; download and preview again',
                                      k - 1, v_i_name[k], v_c_name[v_i_city[k]]);
      end if;
      v_i_id[k] := v_id;
      v_institutions_created := v_institutions_created + 1;
    elsif v_i_ranks[k] is not null or v_i_columns[k] is not null or v_i_lpca[k] is not null then
      update public.institutions i
         set ranks = case when v_i_ranks[k] is null then i.ranks else
                       array(select x from pg_catalog.jsonb_array_elements_text(v_i_ranks[k]) with ordinality as t(x, n) order by n) end,
             columns = case when v_i_columns[k] is null then i.columns else
                       array(select x from pg_catalog.jsonb_array_elements_text(v_i_columns[k]) with ordinality as t(x, n) order by n) end,
             last_points_change_at = coalesce(v_i_lpca[k], i.last_points_change_at)
       where i.id = v_i_id[k];
      -- As set_institution_columns: the values of custom columns that disappear are dropped from
      -- every employee of the institution (deleted ones included, so a restore stays consistent).
      if v_i_columns[k] is not null then
        update public.employees e
           set fields = (select coalesce(pg_catalog.jsonb_object_agg(f.key, f.value), '{}'::jsonb)
                           from pg_catalog.jsonb_each(e.fields) as f(key, value)
                          where v_i_custom[k] ? f.key)
         where e.institution_id = v_i_id[k]
           and exists (select 1 from pg_catalog.jsonb_object_keys(e.fields) as f(key) where not (v_i_custom[k] ? f.key));
      end if;
      v_institutions_updated := v_institutions_updated + 1;
    end if;
  end loop;

  insert into public.employees (institution_id, rank, punctaj, ultima_mod, fields)
  select u.id, (x.v ->> 'rank')::numeric::integer, (x.v ->> 'punctaj')::numeric::integer,
         (x.v ->> 'ultima_mod')::timestamptz,
         case when pg_catalog.jsonb_typeof(x.v -> 'fields') = 'object' then x.v -> 'fields' else '{}'::jsonb end
    from pg_catalog.jsonb_array_elements(v_emps) with ordinality as x(v, n)
    join unnest(v_i_id) with ordinality as u(id, k) on u.k = (x.v ->> 'institution')::numeric::integer + 1
   where x.v ->> 'id' is null
   order by x.n;
  get diagnostics v_employees_created = row_count;

  update public.employees e
     set rank = s.rank, punctaj = s.punctaj, ultima_mod = s.ultima_mod, fields = s.fields
    from (select (x ->> 'id')::uuid as id, (x ->> 'rank')::numeric::integer as rank,
                 (x ->> 'punctaj')::numeric::integer as punctaj,
                 (x ->> 'ultima_mod')::timestamptz as ultima_mod,
                 case when pg_catalog.jsonb_typeof(x -> 'fields') = 'object' then x -> 'fields' else '{}'::jsonb end as fields
            from pg_catalog.jsonb_array_elements(v_emps) as x
           where x ->> 'id' is not null) s
   where e.id = s.id
     and (e.rank, e.punctaj, e.ultima_mod, e.fields) is distinct from (s.rank, s.punctaj, s.ultima_mod, s.fields);
  get diagnostics v_employees_updated = row_count;

  insert into public.archives (object_path, city_id, institution_id, city_name, institution_name, archived_at,
                               reset_by, reset_by_name, employee_count, total_points, after_reset)
  select x.v ->> 'object_path', c.id, u.id, c.name, u.name, (x.v ->> 'archived_at')::timestamptz,
         null, nullif(pg_catalog.btrim(x.v ->> 'reset_by_name'), ''),
         coalesce((x.v ->> 'employee_count')::numeric::integer, 0),
         coalesce((x.v ->> 'total_points')::numeric::bigint, 0),
         coalesce((x.v ->> 'after_reset')::boolean, false)
    from pg_catalog.jsonb_array_elements(v_archives) with ordinality as x(v, n)
    join unnest(v_i_id, v_i_name, v_i_city) with ordinality as u(id, name, city, k)
      on u.k = (x.v ->> 'institution')::numeric::integer + 1
    join unnest(v_c_id, v_c_name) with ordinality as c(id, name, k) on c.k = u.city
   order by x.n
  on conflict (object_path) do nothing;
  get diagnostics v_archives_recorded = row_count;

  -- Legacy history: read-only entries, once each (legacy_id); linked to the live city and
  -- institution of the same name (app.same_name), so leaders see their institutions' history.
  with items as (
    select x.n, x.v from pg_catalog.jsonb_array_elements(v_audit) with ordinality as x(v, n)
  ), pairs as (
    select distinct x.v ->> 'city' as city, x.v ->> 'institution' as institution from items x
  ), resolved as (
    select p.city, p.institution, c.id as city_id, i.id as institution_id
      from pairs p
      left join lateral (
        select c.id from public.cities c
         where p.city is not null and c.deleted_at is null and app.same_name(c.name, p.city)
         order by c.name = p.city desc, c.id limit 1) c on true
      left join lateral (
        select i.id from public.institutions i
         where c.id is not null and p.institution is not null and i.city_id = c.id
           and i.deleted_at is null and app.same_name(i.name, p.institution)
         order by i.name = p.institution desc, i.id limit 1) i on true
  )
  insert into public.audit_log (created_at, actor_id, actor_name, action, city_id, institution_id, city_name,
                                institution_name, entity_type, entity_name, details, legacy, legacy_id)
  select (x.v ->> 'at')::timestamptz, null, nullif(x.v ->> 'actor_name', ''), pg_catalog.btrim(x.v ->> 'action'),
         r.city_id, r.institution_id, x.v ->> 'city', x.v ->> 'institution', null,
         x.v ->> 'entity_name', x.v ->> 'details', true, (x.v ->> 'legacy_id')::numeric::bigint
    from items x
    left join resolved r on r.city is not distinct from x.v ->> 'city'
                        and r.institution is not distinct from x.v ->> 'institution'
   order by x.n
  on conflict (legacy_id) where legacy_id is not null do nothing;
  get diagnostics v_audit_imported = row_count;

  -- Invitations: saved while the Discord account has not appeared; applied at once when it exists
  -- without any grant; left alone when accepted already, or when the account already has access.
  for k in 1 .. v_n_invites loop
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      'institution_id', v_i_id[(r.v ->> 'institution')::numeric::integer + 1],
                      'role', r.v ->> 'role') order by r.n), '[]'::jsonb)
      into v_roles
      from pg_catalog.jsonb_array_elements(v_v_insts[k]) with ordinality as r(v, n);
    select * into v_invite from public.discord_invites d where d.discord_id = v_v_id[k] for update;
    v_pending := found;
    if v_pending and v_invite.accepted_at is not null then
      continue;
    end if;
    select p.id into v_profile from public.profiles p
     where p.discord_id = v_v_id[k] order by p.created_at, p.id limit 1;
    if v_profile is not null
       and (exists (select 1 from public.global_roles g where g.user_id = v_profile)
            or exists (select 1 from public.institution_roles r where r.user_id = v_profile)) then
      continue;
    end if;
    if v_profile is null and v_pending
       and (v_invite.username, v_invite.global_role, v_invite.institution_roles)
           is not distinct from (v_v_username[k], v_v_role[k], v_roles) then
      continue;
    end if;
    insert into public.discord_invites as d (discord_id, username, global_role, institution_roles, invited_by, invited_at)
    values (v_v_id[k], v_v_username[k], v_v_role[k], v_roles, v_uid, now())
    on conflict (discord_id) do update
      set username = excluded.username, global_role = excluded.global_role,
          institution_roles = excluded.institution_roles, invited_by = excluded.invited_by,
          invited_at = excluded.invited_at
      where d.accepted_at is null;
    v_invites_saved := v_invites_saved + 1;
    if v_profile is not null then
      perform app.apply_discord_invite(v_profile, v_v_id[k]);
    end if;
  end loop;

  -- One summary entry; one bump when synced rows changed ----------------------------------------
  v_counts := pg_catalog.jsonb_build_object(
    'cities_created', v_cities_created, 'institutions_created', v_institutions_created,
    'institutions_updated', v_institutions_updated, 'employees_created', v_employees_created,
    'employees_updated', v_employees_updated, 'archives_recorded', v_archives_recorded,
    'audit_imported', v_audit_imported, 'invites_saved', v_invites_saved);
  v_synced := v_cities_created + v_institutions_created + v_institutions_updated + v_employees_created
              + v_employees_updated + v_archives_recorded > 0;
  if v_synced or v_audit_imported + v_invites_saved > 0 then
    perform app.audit('import_legacy', 'import', null, v_server, null, null, null,
                      v_counts || pg_catalog.jsonb_build_object('server', v_server, 'time_zone', v_tz, 'files', v_files),
                      pg_catalog.format('import from the desktop app (%s%s file(s), times in %s): '
                                        '%s city(ies) and %s institution(s) created, %s institution(s) updated, '
                                        '%s employee(s) created, %s updated, %s archive(s) recorded, '
                                        '%s legacy audit entry(ies), %s invitation(s)',
                                        coalesce('server ' || v_server || ', ', ''), coalesce(v_files::text, '?'),
                                        coalesce(v_tz, 'UTC'), v_cities_created, v_institutions_created,
                                        v_institutions_updated, v_employees_created, v_employees_updated,
                                        v_archives_recorded, v_audit_imported, v_invites_saved));
  end if;
  if v_synced then
    v_result := app.bump_version(pg_catalog.jsonb_build_object('action', 'import_legacy') || v_counts);
  else
    v_result := app.current_version();
  end if;
  return v_result || pg_catalog.jsonb_build_object('changed', v_synced, 'counts', v_counts);
end
$$;

revoke execute on function public.import_legacy(jsonb) from public, anon, service_role;
grant execute on function public.import_legacy(jsonb) to authenticated;
