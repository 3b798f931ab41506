-- LOCAL ONLY. Never apply this file to a Supabase project: it recreates, on plain PostgreSQL, the
-- part of a Supabase database that Supabase itself provides (roles, the `auth` and `storage`
-- schemas, their helper functions) so that `sql/migrations/` runs here unchanged.
-- It also holds `local_backend`, the few tables the local server needs for what real Storage and
-- GoTrue keep elsewhere (object bytes, refresh tokens). Idempotent: safe to run again.

-- Roles -------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  -- The login role of the server: it owns nothing and can do nothing until it switches, per
  -- request, to the role named in the verified JWT (exactly what PostgREST does).
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin nologin noinherit createrole;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin nologin noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant supabase_auth_admin, supabase_storage_admin to authenticator;

-- Supabase's defaults: the API roles may use `public` and get every privilege on what is created
-- there; row-level security is what actually protects the data. Our migrations do not rely on
-- these grants (they revoke and grant explicitly), and running them here proves it.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;

create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;
-- GoTrue and Storage (here: the local backend in their roles) use pgcrypto too.
grant usage on schema extensions to supabase_auth_admin, supabase_storage_admin;

-- auth --------------------------------------------------------------------------------------------
create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  recovery_token varchar(255),
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique,
  phone_confirmed_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_sso_user boolean not null default false,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;

create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid primary key default gen_random_uuid(),
  unique (provider_id, provider)
);

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  not_after timestamptz
);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);

-- PKCE flow states (GoTrue's table; the columns the local backend uses, the method as text).
create table if not exists auth.flow_state (
  id uuid primary key,
  user_id uuid references auth.users (id) on delete cascade,
  auth_code text not null,
  code_challenge_method text not null,
  code_challenge text not null,
  provider_type text not null,
  provider_access_token text,
  provider_refresh_token text,
  created_at timestamptz,
  updated_at timestamptz,
  authentication_method text not null,
  auth_code_issued_at timestamptz
);
create index if not exists idx_auth_code on auth.flow_state (auth_code);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);

alter table auth.users owner to supabase_auth_admin;
alter table auth.flow_state owner to supabase_auth_admin;
alter table auth.identities owner to supabase_auth_admin;
alter table auth.sessions owner to supabase_auth_admin;
alter table auth.refresh_tokens owner to supabase_auth_admin;
alter sequence auth.refresh_tokens_id_seq owner to supabase_auth_admin;

-- The helpers Supabase defines, with the same bodies: they read the claims that the API server
-- (PostgREST there, the local backend here) sets for the transaction.
create or replace function auth.uid() returns uuid
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

-- storage -----------------------------------------------------------------------------------------
create schema if not exists storage authorization supabase_storage_admin;
grant usage on schema storage to anon, authenticated, service_role;

create table if not exists storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[]
);

create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  user_metadata jsonb,
  version text,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);

alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;

create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
language plpgsql immutable as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text) returns text
language plpgsql immutable as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

-- Storage's list operation: the entries directly under `prefix` (files, and folders as entries
-- whose id is null), filtered by `search`, sorted and paged. Security invoker, so the caller's
-- row-level security decides what is listed.
create or replace function storage.search(
  prefix text,
  bucketname text,
  limits int default 100,
  levels int default 1,
  offsets int default 0,
  search text default '',
  sortcolumn text default 'name',
  sortorder text default 'asc'
) returns table (
  name text,
  id uuid,
  updated_at timestamptz,
  created_at timestamptz,
  last_accessed_at timestamptz,
  metadata jsonb
)
language plpgsql stable as $$
declare
  v_order text;
  v_sort text;
begin
  v_order := case lower(coalesce(sortorder, 'asc')) when 'desc' then 'desc' else 'asc' end;
  v_sort := case lower(coalesce(sortcolumn, 'name'))
    when 'updated_at' then 'updated_at'
    when 'created_at' then 'created_at'
    when 'last_accessed_at' then 'last_accessed_at'
    else 'name' end;
  return query execute format(
    $q$
      with entries as (
        select distinct on (entry)
          split_part(substr(o.name, length($1) + 1), '/', 1) as entry,
          position('/' in substr(o.name, length($1) + 1)) > 0 as is_folder,
          o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
        from storage.objects o
        where o.bucket_id = $2
          and o.name like replace(replace(replace($1, '\', '\\'), '%%', '\%%'), '_', '\_') || '%%'
          and split_part(substr(o.name, length($1) + 1), '/', 1) ilike '%%' ||
              replace(replace(replace(coalesce($3, ''), '\', '\\'), '%%', '\%%'), '_', '\_') || '%%'
        order by entry, is_folder desc
      )
      select entry as name,
             case when is_folder then null else id end,
             case when is_folder then null else updated_at end,
             case when is_folder then null else created_at end,
             case when is_folder then null else last_accessed_at end,
             case when is_folder then null else metadata end
      from entries
      where entry <> ''
      order by %I %s, entry
      limit $4 offset $5
    $q$, v_sort, v_order)
  using prefix, bucketname, search, limits, offsets;
end
$$;
grant execute on function storage.search(text, text, int, int, int, text, text, text)
  to anon, authenticated, service_role;

-- local_backend: what real Storage and GoTrue keep outside the database ---------------------------
create schema if not exists local_backend;

-- Object bytes. Real Storage keeps them in S3 or on disk; here they live beside their metadata
-- row, so an upload is one transaction. Only the storage admin role can touch them: clients reach
-- objects only through `storage.objects` and its row-level security.
create table if not exists local_backend.object_blobs (
  object_id uuid primary key references storage.objects (id) on delete cascade,
  content bytea not null
);
alter table local_backend.object_blobs owner to supabase_storage_admin;
grant usage on schema local_backend to supabase_storage_admin, supabase_auth_admin;

-- Schema cache reloads ----------------------------------------------------------------------------
-- As on Supabase (`extensions.pgrst_ddl_watch`/`pgrst_drop_watch`): after DDL that can change what
-- the API exposes, tell PostgREST — here the local backend, which listens on channel `pgrst` — to
-- reload its schema cache. Notifications are delivered at commit, duplicates folded into one.
create or replace function extensions.pgrst_ddl_watch() returns event_trigger
language plpgsql as $$
declare
  cmd record;
begin
  for cmd in select * from pg_event_trigger_ddl_commands() loop
    if cmd.command_tag in (
         'CREATE SCHEMA', 'ALTER SCHEMA', 'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO',
         'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE', 'CREATE VIEW', 'ALTER VIEW',
         'CREATE MATERIALIZED VIEW', 'ALTER MATERIALIZED VIEW', 'CREATE FUNCTION', 'ALTER FUNCTION',
         'CREATE TRIGGER', 'CREATE TYPE', 'ALTER TYPE', 'CREATE RULE', 'COMMENT')
       and cmd.schema_name is distinct from 'pg_temp' then
      notify pgrst, 'reload schema';
    end if;
  end loop;
end
$$;

create or replace function extensions.pgrst_drop_watch() returns event_trigger
language plpgsql as $$
declare
  obj record;
begin
  for obj in select * from pg_event_trigger_dropped_objects() loop
    if obj.object_type in ('schema', 'table', 'foreign table', 'view', 'materialized view',
                           'function', 'trigger', 'type', 'rule')
       and obj.is_temporary is false then
      notify pgrst, 'reload schema';
    end if;
  end loop;
end
$$;

do $$
begin
  if not exists (select from pg_event_trigger where evtname = 'pgrst_ddl_watch') then
    create event trigger pgrst_ddl_watch on ddl_command_end execute procedure extensions.pgrst_ddl_watch();
  end if;
  if not exists (select from pg_event_trigger where evtname = 'pgrst_drop_watch') then
    create event trigger pgrst_drop_watch on sql_drop execute procedure extensions.pgrst_drop_watch();
  end if;
end
$$;

-- realtime ----------------------------------------------------------------------------------------
-- What Supabase Realtime keeps in the database: `realtime.messages` (Broadcast and Presence
-- authorisation is row-level security on it), `realtime.topic()` (the channel being authorised,
-- set by the server as `realtime.topic`) and `realtime.send(...)`, the function a database uses to
-- broadcast. Supabase's server reads new rows by logical replication; the local backend is told of
-- them by NOTIFY on channel `punctaj_realtime` (delivered at commit, as replication is), with the
-- message as JSON, or only its id when the JSON would not fit in a notification.
do $$
begin
  if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin nologin noinherit bypassrls;
  end if;
end
$$;
grant supabase_realtime_admin to authenticator;

create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role, supabase_realtime_admin;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default extensions.gen_random_uuid(),
  primary key (id, inserted_at)
);
create index if not exists messages_topic_inserted_at_idx on realtime.messages (topic, inserted_at);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;
grant all on realtime.messages to supabase_realtime_admin;

create or replace function realtime.topic() returns text
language sql stable
as $$ select nullif(current_setting('realtime.topic', true), '')::text $$;
grant execute on function realtime.topic() to anon, authenticated, service_role, supabase_realtime_admin;

-- As on Supabase: security invoker (so a caller's own row-level security applies: a client may
-- not broadcast where the policies do not let it insert), the message id added to the payload,
-- and a failure to store the message only a warning, never the caller's error.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid := extensions.gen_random_uuid();
begin
  begin
    perform pg_catalog.set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (v_id, pg_catalog.jsonb_set(coalesce(payload, '{}'::jsonb), '{id}', pg_catalog.to_jsonb(v_id)),
            event, topic, private, 'broadcast');
  exception when others then
    raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
grant execute on function realtime.send(jsonb, text, text, boolean) to authenticated, service_role;

create or replace function realtime.tg_notify_local_backend() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_message text := pg_catalog.json_build_object(
    'id', new.id, 'topic', new.topic, 'extension', new.extension, 'event', new.event,
    'private', new.private, 'payload', new.payload, 'inserted_at', new.inserted_at)::text;
begin
  if new.extension <> 'broadcast' then
    return null;
  end if;
  if pg_catalog.octet_length(v_message) > 7900 then
    v_message := pg_catalog.json_build_object('id', new.id, 'topic', new.topic, 'truncated', true)::text;
  end if;
  perform pg_catalog.pg_notify('punctaj_realtime', v_message);
  return null;
end
$$;

do $$
begin
  if not exists (select from pg_trigger where tgrelid = 'realtime.messages'::regclass
                  and tgname = 'notify_local_backend') then
    create trigger notify_local_backend after insert on realtime.messages
      for each row execute function realtime.tg_notify_local_backend();
  end if;
end
$$;
