-- 0007_hardening.sql — a rate limit on log_sync, stricter names, Discord ids out of sync_log.
--
-- 1. log_sync: at most 30 entries per account per minute (PT429 beyond; the app writes one per
--    download and ignores a refusal), serialised per account like force_sync.
-- 2. Labels (city, institution, rank and column names): Unicode spaces (NBSP and the other
--    space separators) are treated as ASCII spaces (trimmed at both ends); invisible formatting
--    characters (zero-width, word joiner, BOM) and bidirectional controls (embeddings, overrides,
--    isolates, direction marks) are refused with 22023.
-- 3. sync_log.discord_id is no longer readable by clients (column privileges); the Discord id of a
--    sync_log row is returned by rpc/sync_log_discord_ids to those who may read that account's
--    profile (the account itself; owners and admins), as profiles.discord_id is.
--
-- Replaces functions of 0004_functions.sql in place (same signatures, so their grants stay) and
-- narrows a grant of 0002_permissions.sql: after re-running 0002, run this file again. Idempotent.

-- 2. Labels ---------------------------------------------------------------------------------------
-- A label (name of a city, institution, rank or column): every Unicode space separator (U+00A0,
-- U+1680, U+2000–U+200A, U+202F, U+205F, U+3000) becomes an ASCII space, then the label is trimmed
-- of spaces; 1..p_max characters; no control characters (tab, line breaks, C0/C1 controls,
-- U+2028/2029); no invisible formatting or bidirectional control characters (U+061C, U+180E,
-- U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF). Everything else — quotes,
-- markup, diacritics, emoji — is kept verbatim.
create or replace function app.check_label(p_value text, p_what text, p_max integer default 80)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := pg_catalog.btrim(
              pg_catalog.regexp_replace(p_value, '[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]', ' ', 'g'),
              ' ');
  v_bad text;
begin
  if v is null or v = '' then
    raise exception using errcode = '22023', message = format('%s must not be empty', p_what);
  end if;
  if v ~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029]' then
    raise exception using errcode = '22023',
      message = format('%s must not contain control characters (tab, line break…)', p_what);
  end if;
  v_bad := pg_catalog.substring(v, '[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]');
  if v_bad is not null then
    raise exception using errcode = '22023',
      message = format('%s must not contain invisible or text-direction characters (found U+%s: zero-width, word joiner, BOM, bidi control…)',
                       p_what, pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.ascii(v_bad)), 4, '0')));
  end if;
  if pg_catalog.char_length(v) > p_max then
    raise exception using errcode = '22023',
      message = format('%s is too long (%s characters; at most %s)', p_what, pg_catalog.char_length(v), p_max);
  end if;
  return v;
end
$$;

revoke execute on function app.check_label(text, text, integer) from public, anon, authenticated;

-- Names stored before this rule are kept as they are; say which ones it would change or refuse,
-- so that an owner can rename them (a column is renamed with set_institution_columns' p_renames).
do $$
declare
  r record;
begin
  for r in
    with labels(kind, label) as (
      select 'city', c.name from public.cities c where c.deleted_at is null
      union all
      select 'institution', i.name from public.institutions i where i.deleted_at is null
      union all
      select 'rank', x from public.institutions i, unnest(i.ranks) x where i.deleted_at is null
      union all
      select 'column', x from public.institutions i, unnest(i.columns) x where i.deleted_at is null)
    select kind, label from labels
     where label ~ '[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]'
  loop
    raise notice '0007: the % name % holds Unicode spaces or invisible characters; the next edit normalises or refuses it',
      r.kind, pg_catalog.quote_literal(r.label);
  end loop;
end
$$;

-- 1. log_sync rate limit --------------------------------------------------------------------------
-- Clients record their downloads/uploads (force_sync entries come only from force_sync). At most
-- 30 entries per account in any 60 s (PT429 beyond, `details` = seconds to wait); serialised per
-- account by an advisory lock, so parallel calls of one account cannot all pass.
create or replace function public.log_sync(
  p_sync_type text, p_status text, p_items_synced integer, p_error_message text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  c_limit constant integer := 30;
  c_window constant double precision := 60;
  v_uid uuid;
  v_oldest timestamptz;
  v_left integer;
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

  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.log_sync'),
                                           pg_catalog.hashtext(v_uid::text));
  -- The c_limit-th most recent entry of this account: while it is inside the window, the window
  -- already holds c_limit entries.
  select l.synced_at into v_oldest
    from public.sync_log l
   where l.user_id = v_uid and l.sync_type in ('download', 'upload')
     and l.synced_at > pg_catalog.clock_timestamp() - pg_catalog.make_interval(secs => c_window)
   order by l.synced_at desc
   offset c_limit - 1 limit 1;
  if v_oldest is not null then
    v_left := greatest(1, ceil(c_window - extract(epoch from (pg_catalog.clock_timestamp() - v_oldest))))::integer;
    raise exception using errcode = 'PT429',
      message = format('sync log rate limited (at most %s entries per account per minute)', c_limit),
      detail = v_left::text,
      hint = format('At most %s sync log entries per account per minute; try again in %s s.', c_limit, v_left);
  end if;

  insert into public.sync_log (user_id, discord_id, user_name, sync_type, status, items_synced,
                               error_message, synced_at)
  select v_uid, p.discord_id, app.actor_name(v_uid), p_sync_type, p_status, coalesce(p_items_synced, 0),
         pg_catalog.left(p_error_message, 2000), now()
    from (select 1) as one left join public.profiles p on p.id = v_uid;
end
$$;

revoke execute on function public.log_sync(text, text, integer, text) from public, anon;
grant execute on function public.log_sync(text, text, integer, text) to authenticated, service_role;

-- 3. Discord ids in sync_log ----------------------------------------------------------------------
-- Anyone granted still reads every sync_log row (policy sync_log_read), but not its discord_id:
-- clients select the other columns by name (`select=*` is refused, as PostgREST does for any
-- table with a column the caller may not read). The service key keeps reading everything.
revoke select on table public.sync_log from authenticated;
grant select (id, user_id, user_name, sync_type, status, items_synced, error_message, synced_at,
              created_at)
  on table public.sync_log to authenticated;

-- The Discord ids of the sync_log rows whose account the caller may see the profile of (their own;
-- every row for owners and admins, app.can('members')), like profiles_read.
create or replace function public.sync_log_discord_ids()
returns table (id bigint, user_id uuid, discord_id text)
language sql
stable
security definer
set search_path = ''
as $$
  select l.id, l.user_id, l.discord_id
    from public.sync_log l
   where (select app.can('read'))
     and (l.user_id = (select auth.uid()) or (select app.can('members')))
   order by l.id
$$;

revoke execute on function public.sync_log_discord_ids() from public, anon;
grant execute on function public.sync_log_discord_ids() to authenticated, service_role;
