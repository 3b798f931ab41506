-- 0005_storage.sql — the Storage bucket `arhiva` (reset archives) and its policies.
--
-- Only what Supabase allows on its own schema: the bucket row and policies on storage.objects.
-- Archives are read by anyone granted; written (never overwritten: no update policy) by owners and
-- admins anywhere, by a leader only under slug(city)/slug(institution)_ of an institution they lead;
-- deleted by owners and admins, or by the uploader while no `archives` row records the object (a
-- reset that lost the race cleans up its own upload). Idempotent.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('arhiva', 'arhiva', false, 10485760, array['application/json'])
on conflict (id) do update
  set public = excluded.public,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types
  where (storage.buckets.public, storage.buckets.file_size_limit, storage.buckets.allowed_mime_types)
        is distinct from (excluded.public, excluded.file_size_limit, excluded.allowed_mime_types);

-- May the caller create the object `object_name` in `arhiva`? Owners and admins: any key. Leaders:
-- `<slug(city)>/<slug(institution)>_<file name without further '/'>` of a live institution they lead.
create or replace function app.can_write_archive(object_name text)
returns boolean
language plpgsql
stable
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
    return true;
  end if;
  return exists (
    select 1
      from public.institution_roles r
      join public.institutions i on i.id = r.institution_id and i.deleted_at is null
      join public.cities c on c.id = i.city_id and c.deleted_at is null
     where r.user_id = v_uid
       and r.role = 'leader'
       and app.is_archive_key(object_name, c.name, i.name));
end
$$;

-- May the caller delete the object? Owners and admins: yes. Its uploader: while no archives row
-- records it.
create or replace function app.can_delete_archive(object_name text, object_owner uuid, object_owner_id text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    return false;
  end if;
  if app.global_role() in ('owner', 'admin') then
    return true;
  end if;
  return (object_owner_id = v_uid::text or object_owner = v_uid)
     and not exists (select 1 from public.archives a where a.object_path = object_name);
end
$$;

revoke execute on function app.can_write_archive(text) from public, anon;
revoke execute on function app.can_delete_archive(text, uuid, text) from public, anon;
grant execute on function app.can_write_archive(text) to authenticated, service_role;
grant execute on function app.can_delete_archive(text, uuid, text) to authenticated, service_role;

drop policy if exists "punctaj arhiva read" on storage.objects;
create policy "punctaj arhiva read" on storage.objects
  for select to authenticated
  using (bucket_id = 'arhiva' and (select app.can('read')));

drop policy if exists "punctaj arhiva insert" on storage.objects;
create policy "punctaj arhiva insert" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'arhiva' and app.can_write_archive(name));

-- Deliberately no update policy: archives are never overwritten (uploads use x-upsert: false).
drop policy if exists "punctaj arhiva update" on storage.objects;

drop policy if exists "punctaj arhiva delete" on storage.objects;
create policy "punctaj arhiva delete" on storage.objects
  for delete to authenticated
  using (bucket_id = 'arhiva' and app.can_delete_archive(name, owner, owner_id));
