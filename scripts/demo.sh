#!/usr/bin/env bash
# `make demo`: from a fresh Debian machine to the app at http://127.0.0.1:8080 with demo data.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cache/punctaj-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
PORT=${PUNCTAJ_DEMO_PORT:-8080}

scripts/setup-toolchain.sh demo
PUNCTAJ_SITE_URL="http://127.0.0.1:$PORT/" scripts/local-backend.sh up

echo "[demo] building the app (release)"
trunk build --release --public-url / >/dev/null

# The app reads its Supabase URL and anon key at run time from config.json beside index.html.
# shellcheck disable=SC1091
. target/local-backend.env
printf '{\n  "supabaseUrl": "%s",\n  "supabaseAnonKey": "%s"\n}\n' "$SUPABASE_URL" "$SUPABASE_ANON_KEY" >dist/config.json

cat <<MSG

  Punctaj demo: http://127.0.0.1:$PORT/

  Accounts (password: punctaj-demo)
    owner@punctaj.test     owner: everything
    admin@punctaj.test     admin: structure, members
    leader@punctaj.test    leader of BlackWater / Politie: points, members, reset
    leader2@punctaj.test   leader of Saint Denis / Medici
    member@punctaj.test    member of BlackWater / Politie: add and subtract points
    viewer@punctaj.test    viewer: reads everything, changes nothing
    pending@punctaj.test   signed up, waiting for access
  "Login with Discord" opens the simulated Discord page: one click signs in demo.discord (viewer).

  Open a second browser window signed in as someone else to watch forced sync lock it.
  Ctrl+C stops the web server; \`make down\` stops the backend.

MSG
exec node scripts/serve-dist.mjs --dir dist --port "$PORT" --base /
