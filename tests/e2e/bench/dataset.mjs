// The LARGE benchmark dataset, generated in SQL (as the superuser, one transaction):
// exactly 20 cities × 5 institutions × 60 employees replace the demo data, and 500 archives
// (5 per institution) replace the demo objects of the bucket `arhiva`. The deferred trigger
// (0003_sync.sql) bumps the version once, at commit, with the hash of the new data.
// The demo accounts stay; leader@ leads BlackWater/Politie and member@ is a member of it again,
// as in the demo seed.

export const CITIES = [
  'BlackWater', 'Saint Denis', 'Valentine', 'Rhodes', 'Strawberry', 'Annesburg', 'Van Horn',
  'Armadillo', 'Tumbleweed', 'Emerald Ranch', 'Lagras', 'Colter', 'Wapiti', 'Manzanita Post',
  'Riggs Station', 'Flatneck Station', "Thieves' Landing", "MacFarlane's Ranch", 'Benedict Point',
  'Fort Wallace',
];
export const INSTITUTIONS = ['Politie', 'Medici', 'Pompieri', 'Armată', 'Justiție'];
export const EMPLOYEES_PER_INSTITUTION = 60;
export const ARCHIVES_PER_INSTITUTION = 5;

const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const textArray = (items) => `array[${items.map(quote).join(', ')}]::text[]`;

export function largeDatasetSql() {
  return `
begin;
-- The demo data goes (the accounts stay; their institution roles go with the institutions).
delete from storage.objects where bucket_id = 'arhiva';
delete from public.archives;
delete from public.employees;
delete from public.institutions;
delete from public.cities;

do $bench$
declare
  v_cities constant text[] := ${textArray(CITIES)};
  v_kinds constant text[] := ${textArray(INSTITUTIONS)};
  v_ranks constant text[][] := array[
    array['Offiter', 'Caporal', 'Sergent', 'Plutonier', 'Locotenent Instructor', 'Sherif Adjunct', 'Sherif'],
    array['Asistent', 'Paramedic', 'Medic', 'Medic Specialist', 'Medic Primar', 'Director', 'Director General'],
    array['Voluntar', 'Pompier', 'Sergent Pompier', 'Plutonier Pompier', 'Ofițer', 'Comandant', 'Inspector'],
    array['Soldat', 'Fruntaș', 'Caporal', 'Sergent', 'Locotenent', 'Căpitan', 'Colonel'],
    array['Grefier', 'Avocat', 'Procuror', 'Judecător', 'Judecător Șef', 'Președinte', 'Ministru']];
  v_columns constant text[] := array['DISCORD', 'NUME IC', 'SERIE DE BULETIN', 'RANK', 'ROLE',
                                     'PUNCTAJ', 'ULTIMA_MOD'];
  v_first constant text[] := array['Andrei', 'Mihai', 'Ionuț', 'Cristian', 'Alexandru', 'Vlad',
                                   'Radu', 'Gabriel', 'Florin', 'Adrian', 'Ioana', 'Maria', 'Elena',
                                   'Andreea', 'Bianca', 'Cătălina', 'Diana', 'Raluca', 'Sorin', 'Costel'];
  v_last constant text[] := array['Popescu', 'Ionescu', 'Dumitrescu', 'Stan', 'Gheorghe', 'Munteanu',
                                  'Constantinescu', 'Marin', 'Tudor', 'Stoica', 'Dobre', 'Barbu',
                                  'Nistor', 'Florea', 'Lupu', 'Ene', 'Preda', 'Moldovan', 'Sârbu', 'Voicu'];
  v_owner constant uuid := md5('punctaj-demo-user-owner')::uuid;
begin
  insert into public.cities (name, created_at, updated_at)
  select c.name, timestamptz '2026-01-10 10:00:00+00' + interval '1 hour' * c.n,
         timestamptz '2026-01-10 10:00:00+00' + interval '1 hour' * c.n
    from unnest(v_cities) with ordinality as c(name, n)
   order by c.n;

  insert into public.institutions (city_id, name, ranks, columns, created_at, updated_at)
  select c.id, k.name,
         array(select r.name from unnest(v_ranks[k.n:k.n][1:7]) with ordinality as r(name, o) order by r.o),
         v_columns,
         c.created_at + interval '1 minute' * k.n, c.created_at + interval '1 minute' * k.n
    from public.cities c
    cross join unnest(v_kinds) with ordinality as k(name, n)
   order by c.id, k.n;

  -- Employees: deterministic Romanian-flavoured members, ${EMPLOYEES_PER_INSTITUTION} per institution.
  insert into public.employees (id, institution_id, rank, punctaj, ultima_mod, fields, created_at, updated_at)
  select md5('punctaj-bench-employee-' || i.id || '-' || m.j)::uuid, i.id,
         1 + ((i.n * 7 + m.j * 13) % 7),
         (i.n * 31 + m.j * 37) % 97,
         timestamptz '2026-03-07 12:00:00+00' - interval '1 minute' * ((i.n * 53 + m.j * 97) % 20000),
         jsonb_build_object(
           'DISCORD', lower(translate(v_first[1 + (i.n + m.j * 7) % 20], 'ăâîșțĂÂÎȘȚ', 'aaistAAIST'))
                      || '.' || (100 + (i.n * 17 + m.j * 37) % 900)::text,
           'NUME IC', v_first[1 + (i.n + m.j * 7) % 20] || ' ' || v_last[1 + (i.n * 3 + m.j * 11) % 20],
           'SERIE DE BULETIN', chr(65 + (i.n + m.j * 3) % 26) || lpad(((i.n + m.j * 17) % 100)::text, 2, '0')
                               || chr(65 + (i.n + m.j * 5) % 26) || lpad(((i.n + m.j * 29) % 100)::text, 2, '0')
                               || chr(65 + (i.n + m.j * 7) % 26) || lpad(((i.n + m.j * 41) % 100)::text, 2, '0')),
         timestamptz '2026-02-01 12:00:00+00', timestamptz '2026-02-01 12:00:00+00'
    from (select x.id, x.id::integer as n from public.institutions x) i
    cross join generate_series(1, ${EMPLOYEES_PER_INSTITUTION}) as m(j);

  update public.institutions i
     set last_points_change_at = (select max(e.ultima_mod) from public.employees e where e.institution_id = i.id);

  -- The demo roles again, on the new BlackWater/Politie.
  insert into public.institution_roles (user_id, institution_id, role, granted_by, granted_at)
  select u.id, i.id, u.role, v_owner, now()
    from public.institutions i
    join public.cities c on c.id = i.city_id
    cross join (values (md5('punctaj-demo-user-leader')::uuid, 'leader'),
                       (md5('punctaj-demo-user-member')::uuid, 'member')) as u(id, role)
   where c.name = 'BlackWater' and i.name = 'Politie';

  -- Archives: ${ARCHIVES_PER_INSTITUTION} resets per institution, in the legacy archive shape (pretty JSON,
  -- four-space indent, scores as text like the legacy app wrote them).
  create temporary table bench_files (name text primary key, content bytea not null, at timestamptz not null)
    on commit drop;
  insert into bench_files (name, content, at)
  select app.slug(c.name) || '/' || app.slug(i.name) || '_' || to_char(a.at at time zone 'UTC', 'YYYY-MM-DD_HH24-MI-SS') || '.json',
         convert_to(jsonb_pretty(jsonb_build_object(
           'archived_at', to_char(a.at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
           'institution', i.name,
           'city', c.name,
           'reset_by', 'Demo Leader',
           'discord_id', '703316932232872016',
           'columns', to_jsonb(i.columns),
           'rows', (select jsonb_agg(jsonb_build_object(
                              'DISCORD', x.fields ->> 'DISCORD',
                              'NUME IC', x.fields ->> 'NUME IC',
                              'SERIE DE BULETIN', x.fields ->> 'SERIE DE BULETIN',
                              'RANK', x.rank::text,
                              'ROLE', i.ranks[x.rank],
                              'PUNCTAJ', x.old_points::text,
                              'ULTIMA_MOD', to_char((a.at - interval '1 minute' * x.minutes) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'))
                            order by x.old_points desc, x.id)
                      from (select e.id, e.fields, e.rank,
                                   (('x' || substr(md5(e.id::text || a.k), 1, 6))::bit(24)::integer % 120) as old_points,
                                   (('x' || substr(md5(e.id::text || a.k), 7, 6))::bit(24)::integer % 5000) as minutes
                              from public.employees e
                             where e.institution_id = i.id and e.deleted_at is null) x),
           'employee_count', (select count(*) from public.employees e where e.institution_id = i.id and e.deleted_at is null)
         )), 'UTF8'),
         a.at
    from public.institutions i
    join public.cities c on c.id = i.city_id
    cross join lateral (
      select k, timestamptz '2026-01-01 00:00:00+00' + interval '1 month' * (k - 1)
                + interval '1 day' * (i.id % 27) + interval '1 second' * ((i.id * 7919 + k * 104729) % 86400) as at
        from generate_series(1, ${ARCHIVES_PER_INSTITUTION}) as k) a;

  with objects as (
    insert into storage.objects (id, bucket_id, name, owner, owner_id, created_at, updated_at,
                                 last_accessed_at, metadata, version)
    select gen_random_uuid(), 'arhiva', f.name, v_owner, v_owner::text, f.at, f.at, f.at,
           jsonb_build_object(
             'eTag', '"' || md5(f.content) || '"',
             'size', octet_length(f.content),
             'mimetype', 'application/json',
             'cacheControl', 'max-age=3600',
             'lastModified', to_char(f.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'contentLength', octet_length(f.content),
             'httpStatusCode', 200),
           gen_random_uuid()::text
      from bench_files f
    returning id, name
  )
  insert into local_backend.object_blobs (object_id, content)
  select o.id, f.content from objects o join bench_files f on f.name = o.name;
end
$bench$;
commit;
`;
}

/** What the dataset holds once installed (asserted before measuring). */
export const datasetCountsSql = `select json_build_object(
  'cities', (select count(*) from public.cities where deleted_at is null),
  'institutions', (select count(*) from public.institutions where deleted_at is null),
  'employees', (select count(*) from public.employees where deleted_at is null),
  'archives', (select count(*) from storage.objects where bucket_id = 'arhiva'),
  'archive_bytes', (select coalesce(sum(octet_length(b.content)), 0) from local_backend.object_blobs b
                     join storage.objects o on o.id = b.object_id where o.bucket_id = 'arhiva'),
  'etags_ok', (select bool_and(o.metadata ->> 'eTag' = '"' || md5(b.content) || '"'
                               and (o.metadata ->> 'size')::bigint = octet_length(b.content))
                 from storage.objects o join local_backend.object_blobs b on b.object_id = o.id
                where o.bucket_id = 'arhiva'),
  'version', (select version from public.sync_metadata where sync_key = 'global_version'))`;
