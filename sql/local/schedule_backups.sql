-- schedule_backups.sql — the pg_cron job of the daily backups for one app database, locally.
--
-- The local cluster runs pg_cron as Supabase does (shared_preload_libraries=pg_cron,
-- cron.timezone=UTC) but keeps its jobs in the database `postgres` (cron.database_name), while the
-- app lives in `punctaj` and the tests in `test_<hex>` clones. So this file runs in `postgres` and
-- schedules the job in the app's database (on Supabase, where both are `postgres`,
-- 0010_backups.sql schedules it itself):
--
--   psql -d postgres -v db=punctaj -f sql/local/schedule_backups.sql                 (schedule)
--   psql -d postgres -v db=punctaj -v unschedule=1 -f sql/local/schedule_backups.sql (unschedule)
--
-- Job `punctaj-daily-backup:<db>`, every 15 minutes, `select app.scheduled_backup()`: the same
-- schedule and command as app.backup_job() of 0010_backups.sql (the tests check that they agree).
-- Idempotent: pg_cron 1.4 updates the job of that name. Never schedule a template database:
-- pg_cron would connect to it, and a database with a connection cannot be cloned.
\set ON_ERROR_STOP on

\if :{?db}
\else
  do $$ begin raise exception 'usage: psql -d postgres -v db=<app database> [-v unschedule=1] -f sql/local/schedule_backups.sql'; end $$;
\endif

select pg_catalog.to_regclass('cron.job') is not null as punctaj_has_cron \gset

\if :{?unschedule}
-- Nothing to unschedule where pg_cron is absent.
\if :punctaj_has_cron
select cron.unschedule(j.jobid)
  from cron.job j
 where j.jobname = 'punctaj-daily-backup:' || :'db';
\endif
\else
\if :punctaj_has_cron
\else
  do $$ begin raise exception 'pg_cron is not installed in this database (run this file in the database named by cron.database_name, usually postgres)'; end $$;
\endif
select pg_catalog.set_config('punctaj.backup_db', :'db', false);
do $$
declare
  v_db text := pg_catalog.current_setting('punctaj.backup_db');
begin
  if not exists (select 1 from pg_catalog.pg_database d where d.datname = v_db) then
    raise exception 'database % does not exist', v_db;
  end if;
  if exists (select 1 from pg_catalog.pg_database d where d.datname = v_db and d.datistemplate) then
    raise exception 'database % is a template: the backup job is never scheduled for a template', v_db;
  end if;
end
$$;
select cron.schedule_in_database('punctaj-daily-backup:' || :'db', '*/15 * * * *',
                                 'select app.scheduled_backup()', :'db');
\endif
