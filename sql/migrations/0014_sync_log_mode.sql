-- 0014_sync_log_mode.sql — which kind of download a sync_log entry records (issue [F], point 2).
--
-- Why: with delta sync (0013_scoped_sync.sql) a download is either a delta (only what changed
-- since the copy) or a full download (everything: a new device, a restored cloud, a copy that
-- failed its check). Owners want to see which, e.g. to notice clients that keep falling back to
-- full downloads.
--
-- 1. sync_log.mode: 'delta', 'full' or null (older entries, uploads, force_sync); readable by
--    signed-in accounts like the other columns (0007's column grants; discord_id stays hidden).
-- 2. public.log_sync gets `p_mode text default null`: the 4-argument signature is dropped and a
--    5-argument one created with 0007's body (rate limit included) plus the check of p_mode
--    (null, 'delta' or 'full'; only with p_sync_type 'download'). A call with named arguments
--    that leaves p_mode out (every client before this change) still works.
--
-- Replaces public.log_sync of 0007_hardening.sql: after re-running 0004 or 0007 (which create the
-- 4-argument signature again), run this file again. Idempotent.

-- 1. The column -----------------------------------------------------------------------------------
alter table public.sync_log add column if not exists mode text;
do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                  where conrelid = 'public.sync_log'::regclass and conname = 'sync_log_mode_check') then
    alter table public.sync_log add constraint sync_log_mode_check
      check (mode is null or (mode in ('delta', 'full') and sync_type = 'download'));
  end if;
end
$$;

-- As 0007: every column but discord_id.
grant select (id, user_id, user_name, sync_type, status, items_synced, error_message, synced_at,
              created_at, mode)
  on table public.sync_log to authenticated;

-- 2. log_sync -------------------------------------------------------------------------------------
drop function if exists public.log_sync(text, text, integer, text);

create or replace function public.log_sync(
  p_sync_type text, p_status text, p_items_synced integer, p_error_message text default null,
  p_mode text default null)
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
  if p_mode is not null and p_mode not in ('delta', 'full') then
    raise exception using errcode = '22023',
      message = format('p_mode must be delta, full or null, got %s', p_mode);
  end if;
  if p_mode is not null and p_sync_type <> 'download' then
    raise exception using errcode = '22023',
      message = format('p_mode is only for downloads (p_sync_type %s)', p_sync_type);
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
                               error_message, synced_at, mode)
  select v_uid, p.discord_id, app.actor_name(v_uid), p_sync_type, p_status, coalesce(p_items_synced, 0),
         pg_catalog.left(p_error_message, 2000), now(), p_mode
    from (select 1) as one left join public.profiles p on p.id = v_uid;
end
$$;

revoke execute on function public.log_sync(text, text, integer, text, text) from public, anon;
grant execute on function public.log_sync(text, text, integer, text, text) to authenticated, service_role;
