// Section 12 of `make bench`: what hashing costs one change, on the LARGE dataset, before and after
// scoped sync (issue [F], point 1). BEFORE is the formula every bump paid until
// 0013_scoped_sync.sql: the SHA-256 of v1's canonical document of everything
// (`app.canonical_document()`, kept for this). AFTER is what a one-employee change pays now: its
// institution's scope hash and the global hash from the stored scope hashes (the two calls
// `app.bump_version` makes for it). Both in one database session, interleaved, so that the
// machine's noise hits both alike; the full v2 recomputation (`app.compute_data_hash()`, what
// tests compare against and a force sync pays) is timed beside them for reference.
import { heading, median, ms, percentile, ratio, table } from './stats.mjs';

export async function scopeHashBench(backend, { runs = 20 } = {}) {
  const out = await backend.sql(`
    create function pg_temp.bench_scope_hash(p_runs integer) returns json language plpgsql as $$
    declare
      v_institution bigint;
      v_t timestamptz;
      v_before float8[] := '{}';
      v_after float8[] := '{}';
      v_full float8[] := '{}';
    begin
      select i.id into v_institution from public.institutions i
       where i.deleted_at is null order by i.id limit 1;
      for n in 1..p_runs loop
        v_t := pg_catalog.clock_timestamp();
        perform app.sha256_hex(app.canonical_document());
        v_before := v_before || extract(epoch from pg_catalog.clock_timestamp() - v_t) * 1000;
        v_t := pg_catalog.clock_timestamp();
        perform app.scope_hash('institution:' || v_institution);
        perform app.global_hash_from_scopes();
        v_after := v_after || extract(epoch from pg_catalog.clock_timestamp() - v_t) * 1000;
        v_t := pg_catalog.clock_timestamp();
        perform app.compute_data_hash();
        v_full := v_full || extract(epoch from pg_catalog.clock_timestamp() - v_t) * 1000;
      end loop;
      return json_build_object(
        'before', v_before, 'after', v_after, 'full', v_full,
        'employees', (select count(*) from public.employees where deleted_at is null),
        'scopes', (select count(*) from public.sync_scopes where hash is not null),
        'institutionEmployees', (select count(*) from public.employees
                                  where institution_id = v_institution and deleted_at is null));
    end
    $$;
    select pg_temp.bench_scope_hash(${Number(runs)});`);
  const result = JSON.parse(out.split('\n').filter(Boolean).pop());
  const stat = (samples) => ({ p50: median(samples), p95: percentile(samples, 95), samples });
  return {
    runs,
    employees: result.employees,
    scopes: result.scopes,
    institutionEmployees: result.institutionEmployees,
    before: stat(result.before),
    after: stat(result.after),
    full: stat(result.full),
  };
}

export function printScopeHash(s, notMeasured) {
  console.log(heading('12. Hashing per change (the LARGE dataset: before and after per-scope hashes)'));
  if (!s) {
    console.log(notMeasured);
    return;
  }
  console.log(
    table(
      ['what one change hashes', 'p50', 'p95', 'BEFORE ÷ this (p50)'],
      [
        [`BEFORE: v1, the whole dataset (${s.employees} employees)`, ms(s.before.p50, 2), ms(s.before.p95, 2), ratio(1)],
        [`AFTER: its scope (${s.institutionEmployees} employees) + the global hash of ${s.scopes} scope hashes`, ms(s.after.p50, 2), ms(s.after.p95, 2), ratio(s.before.p50 / s.after.p50)],
        ['reference: v2 recomputed from the tables (force sync, tests)', ms(s.full.p50, 2), ms(s.full.p95, 2), ratio(s.before.p50 / s.full.p50)],
      ],
    ),
  );
  console.log(`${s.runs} runs each, interleaved in one database session`);
}
