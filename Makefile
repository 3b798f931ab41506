# Punctaj — the entry point for people. Every target calls a script in scripts/ or cargo.
#   make demo    set up what is missing, start the local backend with demo data, serve the app
#   make test    every test: native, SQL/HTTP against PostgreSQL, wasm in Chromium, end to end
#   make up      start the local backend (PostgreSQL + Supabase-compatible server)
#   make down    stop it
#   make bench   print the benchmarks
#   make lint    rustfmt and clippy on both targets
SHELL := /bin/bash
export PATH := $(HOME)/.cache/punctaj-tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: demo test up down reset bench lint fmt setup dist clean

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

up:
	@scripts/local-backend.sh up

down:
	@scripts/local-backend.sh down

# Drop the local database and start again from the demo data.
reset:
	@scripts/local-backend.sh reset

bench:
	@scripts/bench.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p punctaj -p punctaj-core -p punctaj-supabase --target wasm32-unknown-unknown --all-targets -- -D warnings

fmt:
	cargo fmt --all

setup:
	@scripts/setup-toolchain.sh

# The production bundle in dist/ (PUBLIC_URL=/sub/path/ to host it under a sub-path), with
# precompressed .br (brotli 11) and .gz (gzip -9) copies beside its text files for hosts that
# serve them (README, "Deploying").
dist:
	@scripts/setup-toolchain.sh build
	trunk build --release --public-url $(or $(PUBLIC_URL),/)
	@node scripts/precompress.mjs dist

clean:
	@scripts/local-backend.sh down || true
	rm -rf dist .local target/e2e-dist
