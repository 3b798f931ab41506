#!/usr/bin/env bash
# `make bench`: the benchmarks of the synchronisation, printed, and saved in
# target/bench-results.json. Like `make test`, it needs nothing running beforehand: it installs
# what is missing, starts the throwaway PostgreSQL cluster (127.0.0.1 only), builds the local
# backend in release mode and the app into target/e2e-dist, and once "today's build" for the
# first-load comparison (scripts/bench-baseline.sh: commit 744db61 into target/bench-baseline/,
# several minutes the first time, reused after), then runs tests/e2e/bench/run.mjs, which gives
# itself a fresh database cloned from the template, its own backend and Chromium.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cache/punctaj-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The bench database is cloned from the template in this cluster.
export PUNCTAJ_TEST_PG=${PUNCTAJ_TEST_PG:-postgres://postgres@127.0.0.1:${PUNCTAJ_PG_PORT:-54322}}

step() { printf '\n\033[1;35m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "toolchain"
scripts/setup-toolchain.sh

# The fan-out benchmark needs the `ws` package (tests/e2e/package.json); an older checkout's
# node_modules may predate it.
if [ ! -d tests/e2e/node_modules/ws ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

step "database template (bootstrap, migrations, demo data)"
scripts/local-backend.sh template

step "local backend, release build"
cargo build --quiet --release -p punctaj-local-backend

step "the app, release build (served under /punctaj/)"
trunk build --release --public-url /punctaj/ --dist target/e2e-dist

step "today's build for the first-load benchmark (built once: several minutes the first time)"
if [ "${PUNCTAJ_BENCH_BASELINE:-744db61}" != none ]; then
  scripts/bench-baseline.sh "${PUNCTAJ_BENCH_BASELINE:-744db61}"
fi

step "benchmarks"
PUNCTAJ_BACKEND_BIN="$ROOT/target/release/punctaj-local-backend" node tests/e2e/bench/run.mjs

step "bench finished in $(( $(date +%s) - started )) s"
