-- sql/seed/demo.sql — demo data for the LOCAL backend only (never apply to a real project).
--
-- Three cities × two institutions, ~60 members with scores, eight demo accounts (password
-- `punctaj-demo`), two archived resets in the Storage bucket `arhiva` (+ one legacy AFTER_RESET
-- companion). Everything has fixed ids so the demo is reproducible:
--   cities 1 BlackWater, 2 Saint Denis, 3 Valentine (fresh database);
--   institutions 1 BlackWater/Politie, 2 BlackWater/Medici, 3 Saint Denis/Politie,
--                4 Saint Denis/Medici, 5 Valentine/Politie, 6 Valentine/Medici;
--   employee n = md5('punctaj-demo-employee-' || n)::uuid (n = 1..61; 1..11 are the real rows of
--   the legacy BlackWater/Politie table);
--   account <key> = md5('punctaj-demo-user-' || <key>)::uuid, key ∈ owner, admin, leader, leader2,
--   member, viewer, pending, discord.
-- Idempotent: when the demo owner account already exists, nothing happens. The data goes in as one
-- transaction, which bumps sync_metadata once (version 2, hash of the seeded data).
-- Needs: sql/local/bootstrap.sql (auth, storage, local_backend, pgcrypto) and sql/migrations/.

do $seed$
declare
  v_owner   constant uuid := md5('punctaj-demo-user-owner')::uuid;
  v_leader2 constant uuid := md5('punctaj-demo-user-leader2')::uuid;
  v_city_bw bigint;
  v_city_sd bigint;
  v_city_va bigint;
  v_bw_politie bigint;
  v_sd_medici bigint;
  v_legacy_data jsonb;
  v_legacy_archive text;
  v_legacy_after text;
  v_v2_archive text;
  v_politie_ranks constant text[] := array['Offiter', 'Caporal', 'Sergent', 'Plutonier',
                                           'Locotenent Instructor', 'Sherif Adjunct', 'Sherif'];
  v_medici_ranks constant text[] := array['Asistent', 'Paramedic', 'Medic', 'Medic Specialist',
                                          'Medic Primar', 'Director'];
  v_columns constant text[] := array['DISCORD', 'NUME IC', 'SERIE DE BULETIN', 'RANK', 'ROLE',
                                     'PUNCTAJ', 'ULTIMA_MOD'];
  v_first constant text[] := array['Andrei', 'Mihai', 'Ionuț', 'Cristian', 'Alexandru', 'Vlad',
                                   'Radu', 'Gabriel', 'Florin', 'Adrian', 'Ioana', 'Maria', 'Elena',
                                   'Andreea', 'Bianca', 'Cătălina', 'Diana', 'Raluca', 'Sorin', 'Costel'];
  v_last constant text[] := array['Popescu', 'Ionescu', 'Dumitrescu', 'Stan', 'Gheorghe', 'Munteanu',
                                  'Constantinescu', 'Marin', 'Tudor', 'Stoica', 'Dobre', 'Barbu',
                                  'Nistor', 'Florea', 'Lupu', 'Ene', 'Preda', 'Moldovan', 'Sârbu', 'Voicu'];
  v_hostile constant text[] := array['<script>alert("x")</script>', 'O''Brien "Bugsy"',
                                     'Ștefan Țăranu-Îonescu', 'Ana & Co, 100%_real'];
  v_hostile_discord constant text[] := array['xss.tester', 'bugsy', 'stefan.t', 'ana.co'];
begin
  if exists (select 1 from auth.users where id = v_owner) then
    raise notice 'demo data already present: nothing to do';
    return;
  end if;

  -- Accounts -------------------------------------------------------------------------------------
  -- auth.users inserts fire the profiles trigger (0001_schema.sql).
  insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                          confirmation_token, recovery_token, raw_app_meta_data, raw_user_meta_data,
                          is_super_admin, created_at, updated_at)
  select '00000000-0000-0000-0000-000000000000'::uuid, md5('punctaj-demo-user-' || a.key)::uuid,
         'authenticated', 'authenticated', a.email,
         extensions.crypt('punctaj-demo', extensions.gen_salt('bf', 6)),
         timestamptz '2026-02-01 10:00:00+00', '', '', a.app_meta, a.user_meta, false,
         timestamptz '2026-02-01 10:00:00+00', timestamptz '2026-02-01 10:00:00+00'
    from (values
      ('owner',   'owner@punctaj.test',   'Demo Owner'),
      ('admin',   'admin@punctaj.test',   'Demo Admin'),
      ('leader',  'leader@punctaj.test',  'Demo Leader'),
      ('leader2', 'leader2@punctaj.test', 'Demo Leader 2'),
      ('member',  'member@punctaj.test',  'Demo Member'),
      ('viewer',  'viewer@punctaj.test',  'Demo Viewer'),
      ('pending', 'pending@punctaj.test', 'Demo Pending')
    ) as e(key, email, display_name)
    cross join lateral (select e.key, e.email,
                               '{"provider": "email", "providers": ["email"]}'::jsonb as app_meta,
                               jsonb_build_object('display_name', e.display_name, 'email', e.email,
                                                  'email_verified', true) as user_meta) as a
  union all
  -- The simulated "Login with Discord" account, shaped as Supabase Auth stores one.
  select '00000000-0000-0000-0000-000000000000'::uuid, md5('punctaj-demo-user-discord')::uuid,
         'authenticated', 'authenticated', 'discord-demo@punctaj.test',
         extensions.crypt('punctaj-demo', extensions.gen_salt('bf', 6)),
         timestamptz '2026-02-01 10:00:00+00', '', '',
         '{"provider": "discord", "providers": ["discord"], "discord_id": "900000000000000001"}'::jsonb,
         '{"iss": "https://discord.com/api", "sub": "900000000000000001",
           "provider_id": "900000000000000001", "name": "demo.discord", "full_name": "Demo Discord",
           "custom_claims": {"global_name": "Demo Discord"}, "email": "discord-demo@punctaj.test",
           "email_verified": true, "phone_verified": false}'::jsonb,
         false, timestamptz '2026-02-01 10:00:00+00', timestamptz '2026-02-01 10:00:00+00';

  insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at,
                               created_at, updated_at)
  select md5('punctaj-demo-identity-' || u.key)::uuid,
         case when u.key = 'discord' then '900000000000000001'
              else md5('punctaj-demo-user-' || u.key)::uuid::text end,
         md5('punctaj-demo-user-' || u.key)::uuid,
         case when u.key = 'discord' then
           '{"iss": "https://discord.com/api", "sub": "900000000000000001",
             "provider_id": "900000000000000001", "name": "demo.discord", "full_name": "Demo Discord",
             "custom_claims": {"global_name": "Demo Discord"}, "email": "discord-demo@punctaj.test",
             "email_verified": true, "phone_verified": false}'::jsonb
         else
           jsonb_build_object('sub', md5('punctaj-demo-user-' || u.key)::uuid::text,
                              'email', u.key || '@punctaj.test', 'email_verified', true,
                              'phone_verified', false)
         end,
         case when u.key = 'discord' then 'discord' else 'email' end,
         null, timestamptz '2026-02-01 10:00:00+00', timestamptz '2026-02-01 10:00:00+00'
    from unnest(array['owner', 'admin', 'leader', 'leader2', 'member', 'viewer', 'pending', 'discord']) as u(key);

  -- Cities and institutions ----------------------------------------------------------------------
  insert into public.cities (name, created_at, updated_at)
  values ('BlackWater', '2026-01-23 18:00:00+00', '2026-01-23 18:00:00+00') returning id into v_city_bw;
  insert into public.cities (name, created_at, updated_at)
  values ('Saint Denis', '2026-01-23 18:05:00+00', '2026-01-23 18:05:00+00') returning id into v_city_sd;
  insert into public.cities (name, created_at, updated_at)
  values ('Valentine', '2026-01-23 18:10:00+00', '2026-01-23 18:10:00+00') returning id into v_city_va;

  insert into public.institutions (city_id, name, ranks, columns, created_at, updated_at)
  select c.id, k.name, case k.name when 'Politie' then v_politie_ranks else v_medici_ranks end,
         v_columns, c.created_at + interval '1 minute' * k.n, c.created_at + interval '1 minute' * k.n
    from (values (1, v_city_bw), (2, v_city_sd), (3, v_city_va)) as cc(n, id)
    join public.cities c on c.id = cc.id
    cross join (values (1, 'Politie'), (2, 'Medici')) as k(n, name)
   order by cc.n, k.n;
  select i.id into v_bw_politie from public.institutions i where i.city_id = v_city_bw and i.name = 'Politie';
  select i.id into v_sd_medici from public.institutions i where i.city_id = v_city_sd and i.name = 'Medici';

  -- Employees --------------------------------------------------------------------------------------
  -- BlackWater/Politie: the real rows of the legacy table (reference/legacy/
  -- data_balcaniwest_BlackWater_Politie.json; its wall-clock ULTIMA_MOD taken as UTC).
  v_legacy_data := $legacy_data${
    "columns": [
        "DISCORD",
        "NUME IC",
        "SERIE DE BULETIN",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD"
    ],
    "ranks": {
        "1": "Offiter",
        "2": "Caporal",
        "3": "Sergent",
        "4": "Plutonier",
        "5": "Locotenent Instructor",
        "6": "Sherif Adjunct",
        "7": "Sherif"
    },
    "rankuri_desc": "",
    "last_punctaj_update": "2026-03-07 12:28:40",
    "version": 2,
    "last_synced": null,
    "pending_sync": false,
    "city_id": 5,
    "institution_id": 1,
    "rows": [
        {
            "DISCORD": "Sintact",
            "NUME IC": "Rocky Jay",
            "SERIE DE BULETIN": "J82B48Z62",
            "RANK": "6",
            "ROLE": "Sherif Adjunct",
            "PUNCTAJ": "44",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "Cristofor Columb",
            "NUME IC": "Cristofor Columb",
            "SERIE DE BULETIN": "S79A64B71",
            "RANK": "7",
            "ROLE": "Sherif",
            "PUNCTAJ": "40",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "Flavius-ursu",
            "NUME IC": "Flavius-ursu",
            "SERIE DE BULETIN": "F31C95M57",
            "RANK": "2",
            "ROLE": "Caporal",
            "PUNCTAJ": "36",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "Parjanu",
            "NUME IC": "Dandeny Munoz",
            "SERIE DE BULETIN": "R87G65U68",
            "RANK": "5",
            "ROLE": "Locotenent Instructor",
            "PUNCTAJ": "29",
            "ULTIMA_MOD": "2026-03-07 12:26:15"
        },
        {
            "DISCORD": "Aly Baba",
            "NUME IC": "Aly Baba",
            "SERIE DE BULETIN": "I60F89C81",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": "23",
            "ULTIMA_MOD": "2026-03-07 12:26:15"
        },
        {
            "DISCORD": "RemusKTMS",
            "NUME IC": "Margelatu Aludealatu",
            "SERIE DE BULETIN": "K83I84P85",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": "15",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "Ion.policarpov",
            "NUME IC": "Ion-Cucu",
            "SERIE DE BULETIN": "W26G69Z92",
            "RANK": "3",
            "ROLE": "Sergent",
            "PUNCTAJ": "15",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "nikolas",
            "NUME IC": "Ion Clanparu",
            "SERIE DE BULETIN": "V70S69S35",
            "RANK": "2",
            "ROLE": "Caporal",
            "PUNCTAJ": "8",
            "ULTIMA_MOD": "2026-03-07 12:27:09"
        },
        {
            "DISCORD": "tucurel",
            "NUME IC": "Spidy Antonel",
            "SERIE DE BULETIN": "I42I66B26",
            "RANK": "3",
            "ROLE": "Sergent",
            "PUNCTAJ": "0",
            "ULTIMA_MOD": "2026-03-07 11:47:49"
        },
        {
            "DISCORD": "Josef",
            "NUME IC": "Josef-Gabrie",
            "SERIE DE BULETIN": "N90P10A64",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": "3",
            "ULTIMA_MOD": "2026-03-07 12:28:40"
        },
        {
            "DISCORD": "Adi Ratza",
            "NUME IC": "Ratza",
            "SERIE DE BULETIN": "S68L34W77",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": "0",
            "ULTIMA_MOD": "2026-03-07 12:09:11"
        }
    ]
}$legacy_data$::jsonb;
  insert into public.employees (id, institution_id, rank, punctaj, ultima_mod, fields, created_at, updated_at)
  select md5('punctaj-demo-employee-' || r.n)::uuid, v_bw_politie, (r.item ->> 'RANK')::integer,
         (r.item ->> 'PUNCTAJ')::integer, (r.item ->> 'ULTIMA_MOD')::timestamp at time zone 'UTC',
         jsonb_build_object('DISCORD', r.item ->> 'DISCORD', 'NUME IC', r.item ->> 'NUME IC',
                            'SERIE DE BULETIN', r.item ->> 'SERIE DE BULETIN'),
         timestamptz '2026-01-30 18:00:00+00', timestamptz '2026-01-30 18:00:00+00'
    from jsonb_array_elements(v_legacy_data -> 'rows') with ordinality as r(item, n);

  -- The other five institutions: ten generated members each (n = 12..61), Romanian-flavoured and
  -- deterministic; Valentine/Medici starts with four hostile-but-valid names.
  insert into public.employees (id, institution_id, rank, punctaj, ultima_mod, fields, created_at, updated_at)
  select md5('punctaj-demo-employee-' || g.n)::uuid, g.institution_id,
         1 + (g.n * 13) % cardinality(g.ranks),
         (g.n * 37) % 47,
         timestamptz '2026-03-07 12:00:00+00' - interval '1 minute' * (g.n * 97),
         jsonb_build_object(
           'DISCORD', coalesce(v_hostile_discord[g.hostile],
                               lower(translate(v_first[1 + (g.n * 7) % 20], 'ăâîșțĂÂÎȘȚ', 'aaistAAIST'))
                               || '.' || (100 + (g.n * 37) % 900)::text),
           'NUME IC', coalesce(v_hostile[g.hostile],
                               v_first[1 + (g.n * 7) % 20] || ' ' || v_last[1 + (g.n * 11) % 20]),
           'SERIE DE BULETIN', chr(65 + (g.n * 3) % 26) || lpad(((g.n * 17) % 100)::text, 2, '0')
                               || chr(65 + (g.n * 5) % 26) || lpad(((g.n * 29) % 100)::text, 2, '0')
                               || chr(65 + (g.n * 7) % 26) || lpad(((g.n * 41) % 100)::text, 2, '0')),
         timestamptz '2026-02-01 12:00:00+00', timestamptz '2026-02-01 12:00:00+00'
    from (
      select i.id as institution_id, i.ranks, 12 + (o.k - 2) * 10 + m.j as n,
             case when c.name = 'Valentine' and i.name = 'Medici' and m.j < 4 then m.j + 1 end as hostile
        from (values ('BlackWater', 'Medici', 2), ('Saint Denis', 'Politie', 3), ('Saint Denis', 'Medici', 4),
                     ('Valentine', 'Politie', 5), ('Valentine', 'Medici', 6)) as o(city, inst, k)
        join public.cities c on c.name = o.city and c.deleted_at is null
        join public.institutions i on i.city_id = c.id and i.name = o.inst and i.deleted_at is null
        cross join generate_series(0, 9) as m(j)
    ) g;

  update public.institutions i
     set last_points_change_at = (select max(e.ultima_mod) from public.employees e where e.institution_id = i.id)
   where i.city_id in (v_city_bw, v_city_sd, v_city_va);

  -- Grants -------------------------------------------------------------------------------------------
  insert into public.global_roles (user_id, role, granted_by, granted_at)
  values (v_owner, 'owner', v_owner, '2026-02-01 10:00:00+00'),
         (md5('punctaj-demo-user-admin')::uuid, 'admin', v_owner, '2026-02-01 10:00:00+00'),
         (md5('punctaj-demo-user-viewer')::uuid, 'viewer', v_owner, '2026-02-01 10:00:00+00'),
         (md5('punctaj-demo-user-discord')::uuid, 'viewer', v_owner, '2026-02-01 10:00:00+00');
  insert into public.institution_roles (user_id, institution_id, role, granted_by, granted_at)
  values (md5('punctaj-demo-user-leader')::uuid, v_bw_politie, 'leader', v_owner, '2026-02-01 10:00:00+00'),
         (v_leader2, v_sd_medici, 'leader', v_owner, '2026-02-01 10:00:00+00'),
         (md5('punctaj-demo-user-member')::uuid, v_bw_politie, 'member', v_owner, '2026-02-01 10:00:00+00');

  -- Archives ---------------------------------------------------------------------------------------
  -- The legacy archive and its AFTER_RESET companion, byte for byte (reference/legacy/).
  v_legacy_archive := $legacy_archive${
    "archived_at": "2026-02-18 18:13:47",
    "institution": "Politie",
    "city": "BlackWater",
    "reset_by": "parjanu",
    "discord_id": "703316932232872016",
    "columns": [
        "DISCORD",
        "NUME IC",
        "SERIE DE BULETIN",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD"
    ],
    "rows": [
        {
            "id": 12,
            "DISCORD": "GUSTAVO",
            "NUME IC": "Acord Bandaj",
            "RANK": "3",
            "ROLE": "Sergent",
            "PUNCTAJ": 5,
            "SERIE DE BULETIN": "U44O45X31",
            "ULTIMA_MOD": "2026-02-14T23:28:19.394423+00:00"
        },
        {
            "id": 15,
            "DISCORD": "Arian",
            "NUME IC": "Bill-MCnue",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "M78Y78Y14",
            "ULTIMA_MOD": "2026-02-14T23:34:22.954105+00:00"
        },
        {
            "id": 11,
            "DISCORD": "MBogdan",
            "NUME IC": "Bogdan Maldarescu",
            "RANK": "4",
            "ROLE": "Plutonier",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "E42S23Z10",
            "ULTIMA_MOD": "2026-02-14T23:26:27.205825+00:00"
        },
        {
            "id": 9,
            "DISCORD": "Pelicanu",
            "NUME IC": "Cindea Geani",
            "RANK": "6",
            "ROLE": "Sherif Adjunct",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "T97C56S78",
            "ULTIMA_MOD": "2026-02-14T23:20:30.496033+00:00"
        },
        {
            "id": 8,
            "DISCORD": "Cristofor Columb",
            "NUME IC": "Cristofor Columb",
            "RANK": "7",
            "ROLE": "Sherif",
            "PUNCTAJ": 11,
            "SERIE DE BULETIN": "S79A64B71",
            "ULTIMA_MOD": "2026-02-14T23:17:10.221434+00:00"
        },
        {
            "id": 1,
            "DISCORD": "Parjanu",
            "NUME IC": "Dandeny Munoz",
            "RANK": "4",
            "ROLE": "Plutonier",
            "PUNCTAJ": 11,
            "SERIE DE BULETIN": "R87G65U68",
            "ULTIMA_MOD": "2026-01-30T18:52:13.119419+00:00"
        },
        {
            "id": 14,
            "DISCORD": "Fane Manevra",
            "NUME IC": "Fane Manevra",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": 11,
            "SERIE DE BULETIN": "W92H36A72",
            "ULTIMA_MOD": "2026-02-14T23:32:47.950841+00:00"
        },
        {
            "id": 13,
            "DISCORD": "Ion.policarpov",
            "NUME IC": "Ion-Cucu",
            "RANK": "2",
            "ROLE": "Caporal",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "W26G69Z92",
            "ULTIMA_MOD": "2026-02-14T23:29:55.766034+00:00"
        },
        {
            "id": 10,
            "DISCORD": "Sintact",
            "NUME IC": "Jay Rocky",
            "RANK": "5",
            "ROLE": "Locotenent Instructor",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "J82B48Z62",
            "ULTIMA_MOD": "2026-02-14T23:22:58.008748+00:00"
        }
    ],
    "employee_count": 9
}$legacy_archive$;
  v_legacy_after := $legacy_after${
    "archived_at": "2026-02-18 18:13:47",
    "institution": "Politie",
    "city": "BlackWater",
    "reset_by": "parjanu",
    "discord_id": "703316932232872016",
    "columns": [
        "DISCORD",
        "NUME IC",
        "SERIE DE BULETIN",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD"
    ],
    "rows": [
        {
            "id": 12,
            "DISCORD": "GUSTAVO",
            "NUME IC": "Acord Bandaj",
            "RANK": "3",
            "ROLE": "Sergent",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "U44O45X31",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 15,
            "DISCORD": "Arian",
            "NUME IC": "Bill-MCnue",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "M78Y78Y14",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 11,
            "DISCORD": "MBogdan",
            "NUME IC": "Bogdan Maldarescu",
            "RANK": "4",
            "ROLE": "Plutonier",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "E42S23Z10",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 9,
            "DISCORD": "Pelicanu",
            "NUME IC": "Cindea Geani",
            "RANK": "6",
            "ROLE": "Sherif Adjunct",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "T97C56S78",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 8,
            "DISCORD": "Cristofor Columb",
            "NUME IC": "Cristofor Columb",
            "RANK": "7",
            "ROLE": "Sherif",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "S79A64B71",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 1,
            "DISCORD": "Parjanu",
            "NUME IC": "Dandeny Munoz",
            "RANK": "4",
            "ROLE": "Plutonier",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "R87G65U68",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 14,
            "DISCORD": "Fane Manevra",
            "NUME IC": "Fane Manevra",
            "RANK": "1",
            "ROLE": "Offiter",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "W92H36A72",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 13,
            "DISCORD": "Ion.policarpov",
            "NUME IC": "Ion-Cucu",
            "RANK": "2",
            "ROLE": "Caporal",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "W26G69Z92",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        },
        {
            "id": 10,
            "DISCORD": "Sintact",
            "NUME IC": "Jay Rocky",
            "RANK": "5",
            "ROLE": "Locotenent Instructor",
            "PUNCTAJ": 0,
            "SERIE DE BULETIN": "J82B48Z62",
            "ULTIMA_MOD": "2026-02-18 18:13:47"
        }
    ],
    "employee_count": 9,
    "status": "after_reset",
    "reset_timestamp": "2026-02-18_18-13-47"
}$legacy_after$;

  -- A v2 archive of Saint Denis/Medici, as the new client writes it (the legacy fields plus format,
  -- total_points and the optional v2 fields); the members' scores before that reset are generated.
  select jsonb_pretty(jsonb_build_object(
           'archived_at', '2026-03-01 20:00:00',
           'institution', i.name,
           'city', c.name,
           'reset_by', 'Demo Leader 2',
           'discord_id', '',
           'columns', to_jsonb(i.columns),
           'rows', coalesce(jsonb_agg(jsonb_build_object(
                      'id', x.id,
                      'DISCORD', x.fields ->> 'DISCORD',
                      'NUME IC', x.fields ->> 'NUME IC',
                      'SERIE DE BULETIN', x.fields ->> 'SERIE DE BULETIN',
                      'RANK', x.rank::text,
                      'ROLE', i.ranks[x.rank],
                      'PUNCTAJ', x.old_points,
                      'ULTIMA_MOD', to_char(x.old_mod at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                    order by x.old_points desc, x.id), '[]'::jsonb),
           'employee_count', count(x.id),
           'format', 'punctaj-archive/2',
           'total_points', coalesce(sum(x.old_points), 0),
           'archived_at_utc', '2026-03-01T20:00:00.000000Z',
           'city_id', c.id,
           'institution_id', i.id,
           'reset_by_id', v_leader2,
           'ranks', to_jsonb(i.ranks),
           'revision', 1))
    into v_v2_archive
    from public.institutions i
    join public.cities c on c.id = i.city_id
    left join lateral (
      select e.id, e.fields, e.rank,
             (('x' || substr(md5('punctaj-demo-archive-' || e.id), 1, 6))::bit(24)::integer % 40) as old_points,
             timestamptz '2026-03-01 19:00:00+00'
               - interval '1 minute' * (('x' || substr(md5('punctaj-demo-archive-' || e.id), 7, 6))::bit(24)::integer % 2000) as old_mod
        from public.employees e where e.institution_id = i.id and e.deleted_at is null) x on true
   where i.id = v_sd_medici
   group by i.id, i.name, i.columns, i.ranks, c.id, c.name;

  with files(name, content, at) as (
    values ('BlackWater/Politie_2026-02-18_18-13-47.json', convert_to(v_legacy_archive, 'UTF8'),
            timestamptz '2026-02-18 18:13:47+00'),
           ('BlackWater/Politie_2026-02-18_18-13-47_AFTER_RESET.json', convert_to(v_legacy_after, 'UTF8'),
            timestamptz '2026-02-18 18:13:47+00'),
           ('Saint_Denis/Medici_2026-03-01_20-00-00.json', convert_to(v_v2_archive, 'UTF8'),
            timestamptz '2026-03-01 20:00:00+00')
  ), objects as (
    insert into storage.objects (id, bucket_id, name, owner, owner_id, created_at, updated_at,
                                 last_accessed_at, metadata, version)
    select md5('punctaj-demo-object-' || f.name)::uuid, 'arhiva', f.name, v_owner, v_owner::text,
           f.at, f.at, f.at,
           jsonb_build_object(
             'eTag', '"' || md5(f.content) || '"',
             'size', octet_length(f.content),
             'mimetype', 'application/json',
             'cacheControl', 'max-age=3600',
             'lastModified', to_char(f.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'contentLength', octet_length(f.content),
             'httpStatusCode', 200),
           md5('punctaj-demo-object-version-' || f.name)::uuid::text
      from files f
    returning id, name
  )
  insert into local_backend.object_blobs (object_id, content)
  select o.id, f.content from objects o join files f on f.name = o.name;

  insert into public.archives (object_path, city_id, institution_id, city_name, institution_name,
                               archived_at, reset_by, reset_by_name, employee_count, total_points,
                               created_at)
  select 'BlackWater/Politie_2026-02-18_18-13-47.json', v_city_bw, v_bw_politie, 'BlackWater', 'Politie',
         timestamptz '2026-02-18 18:13:47+00', null, a ->> 'reset_by',
         (a ->> 'employee_count')::integer,
         (select coalesce(sum((r ->> 'PUNCTAJ')::integer), 0) from jsonb_array_elements(a -> 'rows') r),
         timestamptz '2026-02-18 18:13:47+00'
    from (select v_legacy_archive::jsonb as a) l
  union all
  select 'Saint_Denis/Medici_2026-03-01_20-00-00.json', v_city_sd, v_sd_medici, 'Saint Denis', 'Medici',
         timestamptz '2026-03-01 20:00:00+00', v_leader2, a ->> 'reset_by',
         (a ->> 'employee_count')::integer, (a ->> 'total_points')::bigint,
         timestamptz '2026-03-01 20:00:00+00'
    from (select v_v2_archive::jsonb as a) v;

  -- One version bump for all of it (the deferred trigger then has nothing left to do).
  perform app.bump_version('{"action": "seed"}'::jsonb);
end
$seed$;
