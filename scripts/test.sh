#!/usr/bin/env bash
# `make test`: every test of the project, in order of speed. Needs nothing running beforehand:
# it installs what is missing, starts its own PostgreSQL cluster (the same throwaway cluster as
# `make up`, on 127.0.0.1 only) and gives each test suite fresh databases cloned from a template.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cache/punctaj-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Test suites clone databases from the template in this cluster.
export PUNCTAJ_TEST_PG=${PUNCTAJ_TEST_PG:-postgres://postgres@127.0.0.1:${PUNCTAJ_PG_PORT:-54322}}

step() { printf '\n\033[1;35m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "toolchain"
scripts/setup-toolchain.sh

step "database template (bootstrap, migrations twice, demo data)"
scripts/local-backend.sh template

step "native tests: domain, Supabase client, local backend over HTTP on PostgreSQL"
cargo test --workspace --quiet

step "wasm tests in headless Chromium: domain crate and components"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}
# No --quiet here: cargo would hand it to wasm-bindgen-test-runner, which refuses it.
cargo test --target wasm32-unknown-unknown -p punctaj-core -p punctaj

step "end-to-end tests in Chromium (app served under a sub-path)"
cargo build --quiet -p punctaj-local-backend
trunk build --release --public-url /punctaj/ --dist target/e2e-dist
(cd tests/e2e && npm test)

step "all tests passed in $(( $(date +%s) - started )) s"
