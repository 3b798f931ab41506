-- 0012_archive_compression.sql — large reset archives stored gzip-compressed (issue [G] point 4).
--
-- The browser compresses an archive whose JSON is longer than 8 KiB
-- (punctaj_core::archive::COMPRESS_ABOVE_BYTES) with the platform's CompressionStream and stores
-- it under its usual key plus `.gz` (`<slug(city)>/<slug(institution)>_YYYY-MM-DD_HH-MM-SS.json.gz`)
-- as `application/gzip`; every reader decompresses it with DecompressionStream. The database never
-- reads an archive's bytes, so only two rules change:
--
-- 1. app.is_archive_key (the one rule behind the bucket's insert policy and reset_punctaj) also
--    accepts the `.json.gz` form of a key. Its Rust twin is punctaj_core::archive::parse_archive_key
--    (tested against each other in crates/local-backend/tests/shared_rules.rs).
-- 2. The bucket `arhiva` accepts `application/gzip` beside `application/json` (exact types).
--
-- Imported archives (import_legacy) keep the old app's files byte for byte: app.is_import_archive_key
-- is unchanged. Replaces app.is_archive_key of 0003_sync.sql (same signature, grants kept) and widens
-- the bucket row of 0005_storage.sql: after re-running either, run this file again. Idempotent.

create or replace function app.is_archive_key(p_key text, p_city text, p_institution text)
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select pg_catalog.starts_with(p_key, app.archive_key_prefix(p_city, p_institution))
     and pg_catalog.substr(p_key, pg_catalog.length(app.archive_key_prefix(p_city, p_institution)) + 1)
         ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}\.json(\.gz)?$'
$$;

update storage.buckets
   set allowed_mime_types = array['application/json', 'application/gzip']
 where id = 'arhiva'
   and allowed_mime_types is distinct from array['application/json', 'application/gzip'];
