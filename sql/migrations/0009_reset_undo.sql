-- 0009_reset_undo.sql — undo the last reset (issue [G] point 2) and a safe pair "reset ↔ delete
-- of its archive object" under concurrency (issue [G] point 6, first item).
--
-- 1. public.archive_scores: the scores a reset zeroed (employee → points, only those > 0),
--    written by reset_punctaj in its own transaction. SQL cannot read an archive's JSON (the
--    object's bytes live outside the database, as on Supabase), so the undo needs its own record.
-- 2. archives.undoable / undone_at / undone_by / undone_by_name. `undoable` is true on exactly
--    the institution's last reset (the newest archives row written by reset_punctaj) while it
--    recorded points and was not undone yet; it is maintained under the institution's row lock
--    by reset_punctaj (the new archive takes it over from the previous one) and undo_reset (which
--    clears it). Imported archives (import_legacy: reset_by null, AFTER_RESET snapshots) and
--    resets recorded before this migration have no scores and are never undoable. At most one
--    undoable archive per institution (unique partial index).
-- 3. public.undo_reset(p_archive_id bigint): adds the recorded scores back to every employee
--    still live in that institution (app.apply_points, the one clamp: points earned since the
--    reset are kept), marks the archive undone, audits (one entry per employee + one summary, as
--    reset_punctaj does) and bumps the version once. Permission: `reset` on the institution.
-- 4. The race between reset_punctaj and the deletion of the archive object it records: both take
--    the same transaction-scoped advisory lock keyed by the object name — reset_punctaj before it
--    checks that the object exists, app.can_delete_archive (the delete policy of storage.objects,
--    evaluated per row) before it looks for an archives row. can_delete_archive is now VOLATILE:
--    after waiting for the lock, its query takes a fresh snapshot (READ COMMITTED) and sees the
--    archives row the reset just committed. Whichever commits first wins cleanly: the delete →
--    the reset answers PT404 (archive not found) and changes nothing; the reset → the delete
--    deletes nothing (the object is recorded) and the object stays. Reads never take the lock.
--
-- Replaces public.reset_punctaj (0004) and app.can_delete_archive (0005) in place (same
-- signatures, so their grants stay; the storage policy keeps calling the same function).
-- Errors: 42501 permission denied · 22023 invalid argument · PT404 archive or institution not
-- found · PT409 not the last reset, already undone, nothing to give back. Idempotent.

-- 1. archive_scores --------------------------------------------------------------------------------
create table if not exists public.archive_scores (
  archive_id bigint not null references public.archives (id) on delete cascade,
  -- No foreign key: the employee may be deleted (or its institution purged) after the reset; the
  -- undo skips whoever is no longer a live member.
  employee_id uuid not null,
  punctaj integer not null,
  primary key (archive_id, employee_id),
  constraint archive_scores_punctaj_check check (punctaj > 0)
);

alter table public.archive_scores enable row level security;
revoke all on table public.archive_scores from public, anon, authenticated, service_role;
-- Readable like the archives themselves (the same scores are in the archive JSON); written only
-- by reset_punctaj, never by a client or the service key.
grant select on table public.archive_scores to authenticated, service_role;
drop policy if exists archive_scores_read on public.archive_scores;
create policy archive_scores_read on public.archive_scores
  for select to authenticated using ((select app.can('read')));

-- 2. archives: the undo state ------------------------------------------------------------------------
alter table public.archives add column if not exists undoable boolean not null default false;
alter table public.archives add column if not exists undone_at timestamptz;
alter table public.archives add column if not exists undone_by uuid;
alter table public.archives add column if not exists undone_by_name text;
create unique index if not exists archives_one_undoable_key
  on public.archives (institution_id) where undoable;

-- 4. The advisory lock of one archive object -----------------------------------------------------------
-- Held until the end of the transaction; the same key in reset_punctaj and app.can_delete_archive.
create or replace function app.lock_archive_object(p_name text)
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('punctaj.archive_object'),
                                          pg_catalog.hashtext(p_name))
$$;

revoke execute on function app.lock_archive_object(text) from public, anon, authenticated;

-- May the caller delete the object? Owners and admins: yes. Its uploader: while no archives row
-- records it. Whoever may delete first takes the object's advisory lock (so a reset recording this
-- object, in progress, is waited for); VOLATILE, so the archives query below runs on a fresh
-- snapshot taken after the wait and sees that reset's row once committed. Evaluated per row by the
-- delete policy of storage.objects; the read policy does not call it (reads never wait).
create or replace function app.can_delete_archive(object_name text, object_owner uuid, object_owner_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null or object_name is null then
    return false;
  end if;
  if app.global_role() in ('owner', 'admin') then
    perform app.lock_archive_object(object_name);
    return true;
  end if;
  if not (object_owner_id is not distinct from v_uid::text or object_owner is not distinct from v_uid) then
    return false;
  end if;
  perform app.lock_archive_object(object_name);
  return not exists (select 1 from public.archives a where a.object_path = object_name);
end
$$;

revoke execute on function app.can_delete_archive(text, uuid, text) from public, anon;
grant execute on function app.can_delete_archive(text, uuid, text) to authenticated, service_role;

-- reset_punctaj (0004), now also: the object's advisory lock before the object is checked, the
-- zeroed scores recorded in archive_scores, and the new archive made the undoable one.
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

  -- The snapshot must be safely stored, unused, and still describe the institution. A delete of
  -- the object holds this lock from its policy check to its commit: wait for it, then look again
  -- (this function is VOLATILE: the next statement sees what that delete committed).
  perform app.lock_archive_object(p_archive_path);
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

  -- The previous undoable archive (if any) is no longer the last reset.
  update public.archives a set undoable = false
   where a.institution_id = v_inst.id and a.undoable;

  insert into public.archives (object_path, city_id, institution_id, city_name, institution_name,
                               archived_at, reset_by, reset_by_name, employee_count, total_points,
                               undoable)
  values (p_archive_path, v_inst.city_id, v_inst.id, v_city_name, v_inst.name, v_archived_at,
          v_uid, app.actor_name(), v_count, v_total, v_total > 0)
  returning id into v_archive_id;

  insert into public.archive_scores (archive_id, employee_id, punctaj)
  select v_archive_id, p.key::uuid, p.value::integer
    from pg_catalog.jsonb_each_text(v_points) as p(key, value)
   where p.value::integer > 0;

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

-- 3. undo_reset -------------------------------------------------------------------------------------
-- Gives back the scores a reset zeroed: each recorded score is added (app.apply_points) to the
-- employee if they are still a live member of the institution; points earned since the reset stay.
-- Only the institution's last reset, once. Serialised with resets, undos and points changes of
-- the institution by its row lock.
create or replace function public.undo_reset(p_archive_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid;
  v_arch public.archives;
  v_inst public.institutions;
  v_city_name text;
  v_label text;
  v_last bigint;
  v_count integer;
  v_points bigint;
  v_recorded integer;
  v_changed jsonb;
begin
  v_uid := app.require('read', null, 'undo_reset');
  if p_archive_id is null then
    raise exception using errcode = '22023', message = 'p_archive_id is required';
  end if;
  select * into v_arch from public.archives a where a.id = p_archive_id;
  if not found then perform app.raise_not_found('archive', p_archive_id::text); end if;
  select * into v_inst from public.institutions i
   where i.id = v_arch.institution_id and i.deleted_at is null;
  if not found then
    raise exception using errcode = 'PT404',
      message = format('the institution of archive %s (%s / %s) was deleted; restore it before undoing its reset',
                       v_arch.object_path, v_arch.city_name, v_arch.institution_name);
  end if;
  perform app.require('reset', v_inst.id, 'undo_reset');

  -- Lock the institution (the order of every writer: institution → employees → version row), then
  -- look at the archive again under the lock.
  select * into v_inst from public.institutions i
   where i.id = v_arch.institution_id and i.deleted_at is null for update;
  if not found then perform app.raise_not_found('institution', v_arch.institution_id::text); end if;
  select c.name into v_city_name from public.cities c where c.id = v_inst.city_id;
  v_label := format('"%s" (%s)', v_inst.name, v_city_name);
  select * into v_arch from public.archives a where a.id = p_archive_id for update;

  if v_arch.undone_at is not null then
    raise exception using errcode = 'PT409',
      message = format('archive %s was already undone at %s by %s',
                       v_arch.object_path,
                       pg_catalog.to_char(v_arch.undone_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
                       coalesce(v_arch.undone_by_name, v_arch.undone_by::text, 'unknown'));
  end if;
  if not v_arch.undoable then
    -- Why not: a newer reset, an imported archive, or nothing recorded to give back.
    select max(a.id) into v_last from public.archives a
     where a.institution_id = v_inst.id and a.reset_by is not null and not a.after_reset;
    if v_arch.reset_by is null or v_arch.after_reset or v_last is distinct from v_arch.id then
      raise exception using errcode = 'PT409',
        message = format('archive %s is not the last reset of %s: only the last reset can be undone',
                         v_arch.object_path, v_label),
        detail = case
          when v_arch.reset_by is null or v_arch.after_reset
            then 'it was imported from the desktop app and records no scores'
          else format('the last reset is archive %s',
                      (select a.object_path from public.archives a where a.id = v_last))
        end;
    end if;
    raise exception using errcode = 'PT409',
      message = format('archive %s cannot be undone: it records no scores to give back (no points were reset, or the reset predates undo)',
                       v_arch.object_path);
  end if;

  select count(*) into v_recorded from public.archive_scores s where s.archive_id = v_arch.id;

  update public.institutions i set last_points_change_at = now() where i.id = v_inst.id
  returning * into v_inst;

  with old as (
    select e.id, e.punctaj, s.punctaj as recorded
      from public.employees e
      join public.archive_scores s on s.employee_id = e.id and s.archive_id = v_arch.id
     where e.institution_id = v_inst.id and e.deleted_at is null
     for update of e
  ), upd as (
    update public.employees e
       set punctaj = app.apply_points(e.punctaj, old.recorded),
           ultima_mod = now()
      from old
     where e.id = old.id
    returning e.id, old.punctaj as old_punctaj, e.punctaj as new_punctaj, old.recorded, e.fields
  ), logged as (
    insert into public.audit_log (actor_id, actor_name, action, city_id, institution_id, city_name,
                                  institution_name, entity_type, entity_id, entity_name, old_value,
                                  new_value, details)
    select v_uid, app.actor_name(), 'undo_reset', v_inst.city_id, v_inst.id, v_city_name, v_inst.name,
           'employee', u.id::text, app.employee_label(u.fields, u.id),
           jsonb_build_object('punctaj', u.old_punctaj), jsonb_build_object('punctaj', u.new_punctaj),
           format('%s: %s → %s (+%s given back; archive %s)', app.employee_label(u.fields, u.id),
                  u.old_punctaj, u.new_punctaj, u.new_punctaj - u.old_punctaj, v_arch.object_path)
      from upd u
    returning 1
  )
  select count(*), coalesce(sum(u.new_punctaj - u.old_punctaj), 0),
         coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'old', u.old_punctaj, 'new', u.new_punctaj)
                            order by u.id), '[]'::jsonb)
    into v_count, v_points, v_changed
    from upd u;

  update public.archives a
     set undoable = false, undone_at = now(), undone_by = v_uid, undone_by_name = app.actor_name(v_uid)
   where a.id = v_arch.id;

  perform app.audit('undo_reset', 'institution', v_inst.id::text, v_inst.name, v_inst.city_id, v_inst.id,
                    jsonb_build_object('archive', v_arch.object_path, 'archive_id', v_arch.id),
                    jsonb_build_object('revision', v_inst.revision, 'restored', v_count, 'points', v_points,
                                       'skipped', v_recorded - v_count),
                    format('undid reset of archive %s: %s employee(s) got %s point(s) back; %s no longer member(s)',
                           v_arch.object_path, v_count, v_points, v_recorded - v_count));
  return app.bump_version(jsonb_build_object('action', 'undo_reset', 'city', v_city_name,
                                             'institution', v_inst.name, 'institution_id', v_inst.id,
                                             'count', v_count, 'points', v_points,
                                             'archive', v_arch.object_path))
         || jsonb_build_object('archive_id', v_arch.id, 'restored', v_count, 'points', v_points,
                               'skipped', v_recorded - v_count, 'changed', v_changed,
                               'revision', v_inst.revision);
end
$$;

revoke execute on function public.undo_reset(bigint) from public, anon;
grant execute on function public.undo_reset(bigint) to authenticated, service_role;
