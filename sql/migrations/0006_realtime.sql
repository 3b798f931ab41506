-- 0006_realtime.sql — push of every version bump through Supabase Realtime (Broadcast from the
-- database), and who may join the channel. Idempotent; applies where Realtime is absent too.
--
-- One private channel, topic `punctaj:sync` (realtime-js: `channel('punctaj:sync', { config:
-- { private: true } })`). Every committed version bump sends one broadcast, event `version`, with
-- only the new version, its hash, who made it, what kind of change it was and the changed scopes —
-- never row data (docs/database.md, "Live sync"). A client that receives it checks the version at
-- once; the check, not the message, decides the lock.
--
-- Scopes: `structure` (cities, institutions: names, ranks, columns, deletions, creations) and
-- `institution:<id>` (its employees, their points, its archives). A bump that names no scope
-- (force_sync, a truncate) means: everything is to be checked.
--
-- On Supabase, realtime.send(payload jsonb, event text, topic text, private boolean default true)
-- is SECURITY INVOKER (owned by supabase_realtime_admin): it inserts into realtime.messages as its
-- caller, here the trigger function below, SECURITY DEFINER and owned by `postgres`, which has
-- INSERT on realtime.messages and BYPASSRLS there. No client policy allows inserting a broadcast.

-- The changed scopes of the current transaction --------------------------------------------------
-- Kept in the transaction-local setting punctaj.changed_scopes (a text[] literal), added to by the
-- statement triggers below, read and cleared by the broadcast. A rolled-back subtransaction takes
-- its additions with it, as it takes its row changes.
create or replace function app.note_changed_scopes(p_scopes text[])
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_seen text[] := coalesce(nullif(pg_catalog.current_setting('punctaj.changed_scopes', true), ''), '{}')::text[];
  v_scope text;
begin
  foreach v_scope in array coalesce(p_scopes, '{}'::text[]) loop
    if v_scope is not null and not (v_scope = any (v_seen)) then
      v_seen := v_seen || v_scope;
    end if;
  end loop;
  perform pg_catalog.set_config('punctaj.changed_scopes', v_seen::text, true);
end
$$;

-- AFTER (statement) on cities, institutions, employees and archives. Only rows that really moved
-- count (a statement that touched no row notes nothing). Employees and archives belong to their
-- institution's scope. An institution row whose only changes are last_points_change_at,
-- updated_at and revision (what points, members and resets move) belongs to its own scope; any
-- other change of an institution, and every change of a city, is `structure`.
-- SECURITY DEFINER: the triggers also fire for direct edits (the service key, service_role), which
-- may not execute the app helpers.
create or replace function app.tg_note_changed_scopes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_scopes text[];
begin
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
                 or (pg_catalog.to_jsonb(n) - array['last_points_change_at', 'updated_at', 'revision'])
                    is distinct from
                    (pg_catalog.to_jsonb(o) - array['last_points_change_at', 'updated_at', 'revision'])
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

-- The broadcast ------------------------------------------------------------------------------------
create or replace function app.sync_topic()
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$ select 'punctaj:sync'::text $$;

-- AFTER UPDATE (row) of the version row, when the version moved: every path that bumps
-- (app.bump_version from an RPC, the deferred bump at commit, a truncate) passes here, once per
-- bump. realtime.send stores the message in realtime.messages, in this transaction: Realtime sees
-- it only once committed (logical replication; locally a NOTIFY, also delivered at commit), so a
-- rolled-back change is never announced. Where Realtime is absent (no realtime.send) nothing is
-- sent; where sending fails the change still commits (a warning): the clients' 1-second check is
-- the backstop. Either way the scopes are cleared, so a later bump of the same transaction (a
-- deferred one) names only what changed after this one.
create or replace function app.tg_broadcast_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text := coalesce(new.last_change ->> 'action', 'unknown');
  v_noted text[] := coalesce(nullif(pg_catalog.current_setting('punctaj.changed_scopes', true), ''), '{}')::text[];
  v_scopes text[];
begin
  perform pg_catalog.set_config('punctaj.changed_scopes', '', true);
  -- force_sync asks everyone to check everything; a truncate fires no statement trigger above.
  if v_action in ('force_sync', 'truncate') then
    v_noted := '{}';
  end if;
  -- `structure` first, then the institutions by id.
  select coalesce(array_agg(s order by s <> 'structure',
                                   case when s ~ '^institution:[0-9]{1,18}$'
                                        then pg_catalog.substr(s, 13)::bigint end,
                                   s), '{}')
    into v_scopes
    from unnest(v_noted) as s;

  if pg_catalog.to_regprocedure('realtime.send(jsonb, text, text, boolean)') is null then
    return null;
  end if;
  begin
    execute 'select realtime.send($1, $2, $3, true)'
      using pg_catalog.jsonb_build_object(
              'version', new.version,
              'data_hash', pg_catalog.btrim(new.data_hash),
              'by', new.last_modified_by,
              'by_id', new.last_modified_by_id,
              'at', pg_catalog.to_char(new.last_modified_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'action', v_action,
              'scopes', pg_catalog.to_jsonb(v_scopes)),
            'version', app.sync_topic();
  exception when others then
    raise warning 'punctaj: version % not broadcast: %', new.version, sqlerrm;
  end;
  return null;
end
$$;

revoke execute on function app.note_changed_scopes(text[]) from public, anon, authenticated, service_role;
revoke execute on function app.tg_note_changed_scopes() from public, anon, authenticated, service_role;
revoke execute on function app.tg_broadcast_version() from public, anon, authenticated, service_role;
-- The channel policies below run it as the joining role.
revoke execute on function app.sync_topic() from public, anon;
grant execute on function app.sync_topic() to authenticated, service_role;

-- Trigger definitions (create or replace: a second run leaves them as they are).
do $$
declare
  t text;
begin
  create or replace trigger punctaj_broadcast_version after update on public.sync_metadata
    for each row when (old.version is distinct from new.version)
    execute function app.tg_broadcast_version();

  foreach t in array array['cities', 'institutions', 'employees', 'archives'] loop
    execute format('create or replace trigger punctaj_scopes_insert after insert on public.%I
                      referencing new table as new_rows
                      for each statement execute function app.tg_note_changed_scopes()', t);
    execute format('create or replace trigger punctaj_scopes_update after update on public.%I
                      referencing old table as old_rows new table as new_rows
                      for each statement execute function app.tg_note_changed_scopes()', t);
    execute format('create or replace trigger punctaj_scopes_delete after delete on public.%I
                      referencing old table as old_rows
                      for each statement execute function app.tg_note_changed_scopes()', t);
  end loop;
end
$$;

-- Who may join: row-level security on realtime.messages (Supabase Realtime's own authorisation) --
-- At join (and again on token refresh) Realtime inserts probe rows for the topic, sets `role`,
-- `request.jwt.claims` and `realtime.topic` as the client, and selects them (read), then tries to
-- insert as the client (write); all rolled back. Receiving (broadcast and presence) needs an
-- account with access (app.can('read')): anon and pending accounts are refused at join. Tracking
-- presence needs the same. No policy lets a client insert a broadcast: only the database
-- (realtime.send, above) sends on this channel. Each function is evaluated once per query
-- (wrapped in a select), not once per row.
-- Where realtime.messages is absent (plain PostgreSQL) this is skipped; run this file again once
-- Realtime's schema exists.
do $$
begin
  if pg_catalog.to_regclass('realtime.messages') is null then
    raise notice 'punctaj: realtime.messages is absent (no Realtime here): live sync policies skipped';
    return;
  end if;
  drop policy if exists punctaj_sync_receive on realtime.messages;
  create policy punctaj_sync_receive on realtime.messages
    for select to authenticated
    using ((select realtime.topic()) = (select app.sync_topic())
           and realtime.messages.extension in ('broadcast', 'presence')
           and (select app.can('read')));
  drop policy if exists punctaj_sync_presence on realtime.messages;
  create policy punctaj_sync_presence on realtime.messages
    for insert to authenticated
    with check ((select realtime.topic()) = (select app.sync_topic())
                and realtime.messages.extension = 'presence'
                and (select app.can('read')));
end
$$;
