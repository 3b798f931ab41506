-- 0002_permissions.sql — who may do what: app.can, row-level security, grants, account_overview.
--
-- Supabase grants every privilege on new objects in `public` to anon and authenticated by default;
-- nothing here relies on that: every table is revoked from public/anon/authenticated first, then
-- exactly `select` is granted to authenticated (row-level security decides which rows). All writes
-- go through the security-definer functions of 0004_functions.sql. Idempotent.

-- Who is calling ----------------------------------------------------------------------------------

-- The caller's global role (owner, admin, viewer) or null.
create or replace function app.global_role()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select g.role from public.global_roles g where g.user_id = auth.uid()
$$;

-- The display name written into audit_log.actor_name, sync_metadata.last_modified_by, sync_log.
create or replace function app.actor_name(p_user_id uuid default auth.uid())
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select coalesce(nullif(p.display_name, ''), nullif(p.email, ''), p.id::text)
       from public.profiles p where p.id = p_user_id),
    p_user_id::text,
    'system')
$$;

-- The permission table of docs/database.md, for the caller (auth.uid()). Mirrored by
-- punctaj_core::permissions::can. Grants add up: a viewer who also leads X may change X's points.
-- Unknown capabilities are refused. Whether the institution is deleted does not matter here (the
-- functions answer PT404 for that).
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

-- The institutions the caller leads (used by the audit_log policy: one call per query, not per row).
create or replace function app.led_institutions()
returns bigint[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(r.institution_id), '{}'::bigint[])
    from public.institution_roles r
   where r.user_id = auth.uid() and r.role = 'leader'
$$;

-- Raises 42501 unless the caller may `capability` (on `institution_id`); `action` names what was
-- attempted in the message. Returns the caller's id.
create or replace function app.require(capability text, institution_id bigint, action text)
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
      message = format('permission denied: %s requires a signed-in account', action);
  end if;
  if not app.can(capability, institution_id) then
    if not app.can('read') then
      raise exception using errcode = '42501',
        message = format('permission denied: %s — this account has no access yet (an admin must grant it)', action),
        hint = 'Ask an owner or admin to grant your account a role.';
    end if;
    raise exception using errcode = '42501',
      message = case
        when institution_id is null then format('permission denied: %s requires the %s permission', action, capability)
        else format('permission denied: %s requires the %s permission on institution %s', action, capability, institution_id)
      end;
  end if;
  return v_uid;
end
$$;

revoke execute on function app.global_role() from public, anon;
revoke execute on function app.actor_name(uuid) from public, anon, authenticated;
revoke execute on function app.can(text, bigint) from public, anon;
revoke execute on function app.led_institutions() from public, anon;
revoke execute on function app.require(text, bigint, text) from public, anon, authenticated;
-- Row-level security policies run these as the querying role.
grant execute on function app.global_role() to authenticated, service_role;
grant execute on function app.can(text, bigint) to authenticated, service_role;
grant execute on function app.led_institutions() to authenticated, service_role;

-- Row-level security and grants -------------------------------------------------------------------
do $$
declare
  t text;
  s text;
begin
  foreach t in array array['cities', 'institutions', 'employees', 'profiles', 'global_roles',
                           'institution_roles', 'audit_log', 'sync_metadata', 'sync_log', 'archives']
  loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on table public.%I from public, anon, authenticated, service_role', t);
    execute format('grant select on table public.%I to authenticated, service_role', t);
    -- The service key (server-side tools only, bypasses RLS) may edit data directly; such edits
    -- still bump the version at commit (0003_sync.sql). The audit log and the version row stay
    -- function-only even for it.
    if t not in ('audit_log', 'sync_metadata') then
      execute format('grant insert, update, delete on table public.%I to service_role', t);
    end if;
  end loop;
  -- The identity sequences behind those tables.
  for s in
    select pg_catalog.pg_get_serial_sequence(format('public.%I', c.table_name), c.column_name)
      from information_schema.columns c
     where c.table_schema = 'public' and c.is_identity = 'YES'
       and c.table_name in ('cities', 'institutions', 'audit_log', 'sync_metadata', 'sync_log', 'archives')
  loop
    execute format('revoke all on sequence %s from public, anon, authenticated', s);
    execute format('grant usage, select on sequence %s to service_role', s);
  end loop;
end
$$;

-- Synced data, sync state and archives: anyone granted reads everything (including soft-deleted
-- rows, which owners and admins restore); nobody else reads anything.
drop policy if exists cities_read on public.cities;
create policy cities_read on public.cities
  for select to authenticated using ((select app.can('read')));

drop policy if exists institutions_read on public.institutions;
create policy institutions_read on public.institutions
  for select to authenticated using ((select app.can('read')));

drop policy if exists employees_read on public.employees;
create policy employees_read on public.employees
  for select to authenticated using ((select app.can('read')));

drop policy if exists sync_metadata_read on public.sync_metadata;
create policy sync_metadata_read on public.sync_metadata
  for select to authenticated using ((select app.can('read')));

drop policy if exists sync_log_read on public.sync_log;
create policy sync_log_read on public.sync_log
  for select to authenticated using ((select app.can('read')));

drop policy if exists archives_read on public.archives;
create policy archives_read on public.archives
  for select to authenticated using ((select app.can('read')));

-- Accounts: everyone sees their own; owners and admins see all.
drop policy if exists profiles_read on public.profiles;
create policy profiles_read on public.profiles
  for select to authenticated
  using (id = (select auth.uid()) or (select app.can('members')));

drop policy if exists global_roles_read on public.global_roles;
create policy global_roles_read on public.global_roles
  for select to authenticated
  using (user_id = (select auth.uid()) or (select app.can('members')));

drop policy if exists institution_roles_read on public.institution_roles;
create policy institution_roles_read on public.institution_roles
  for select to authenticated
  using (user_id = (select auth.uid()) or (select app.can('members')));

-- Audit log: owners and admins see everything; a leader sees the entries of the institutions they
-- lead (= app.can('audit', institution_id), evaluated once per query).
drop policy if exists audit_log_read on public.audit_log;
create policy audit_log_read on public.audit_log
  for select to authenticated
  using ((select app.can('audit')) or (select app.led_institutions()) @> array[institution_id]);

-- account_overview: one row per visible profile with its roles, for the members page. Security
-- invoker: the row-level security of the base tables applies to the caller.
create or replace view public.account_overview
with (security_invoker = true)
as
select
  p.id as user_id,
  p.email,
  p.display_name,
  p.discord_id,
  p.discord_username,
  p.created_at,
  g.role as global_role,
  g.granted_at as global_role_granted_at,
  coalesce((
    select jsonb_agg(jsonb_build_object(
             'institution_id', r.institution_id,
             'institution_name', i.name,
             'city_id', i.city_id,
             'city_name', c.name,
             'role', r.role,
             'granted_at', r.granted_at)
           order by r.institution_id)
      from public.institution_roles r
      left join public.institutions i on i.id = r.institution_id
      left join public.cities c on c.id = i.city_id
     where r.user_id = p.id), '[]'::jsonb) as institutions,
  (g.role is null
   and not exists (select 1 from public.institution_roles r where r.user_id = p.id)) as pending
from public.profiles p
left join public.global_roles g on g.user_id = p.id;

revoke all on table public.account_overview from public, anon, authenticated, service_role;
grant select on table public.account_overview to authenticated, service_role;
