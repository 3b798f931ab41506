#!/usr/bin/env bash
# Installs what building and testing Punctaj needs and is missing, on Debian 12, without
# interaction (CI runs it as root with no standard input). Safe to run again: it only installs
# what is absent or at the wrong version (the versions are explained in README.md, "Toolchain").
#
#   scripts/setup-toolchain.sh          everything (build, local backend, browser tests)
#   scripts/setup-toolchain.sh demo     what `make demo` needs (no browser)
#   scripts/setup-toolchain.sh build    only what `trunk build` needs
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WHAT=${1:-all}
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
# wasm-bindgen-cli must equal the wasm-bindgen the app links (pinned with `=` in Cargo.toml).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
TOOLS="${PUNCTAJ_TOOLS_DIR:-$HOME/.cache/punctaj-tools}"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

apt_install() { # apt_install <package>...: only the missing ones
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    die "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || die "Rust is not installed (https://rustup.rs)"
command -v npm >/dev/null || die "Node.js 20 and npm are needed (apt-get install -y nodejs npm)"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  # 0.22 needs a newer rustc than this machine's; 0.21.14 builds with --locked (about 10 min).
  say "cargo install trunk $TRUNK_VERSION (about 10 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --quiet
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Without --locked: its lock file names a crate version the registry no longer has.
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --quiet
fi

# Debian's binaryen (108) produces a wasm that fails at start-up; npm's binaryen 132 is correct.
if [ "$("$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
  say "npm install binaryen@$BINARYEN_VERSION into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# Trunk runs offline (it would otherwise try GitHub), and offline Cargo needs the crates fetched.
(cd "$ROOT" && cargo fetch --quiet)

case "$WHAT" in
  demo) apt_install postgresql curl ;;
  all) apt_install postgresql curl chromium chromium-driver ;;
esac
if [ "$WHAT" = demo ] || [ "$WHAT" = all ]; then
  # pg_cron, the scheduler of the daily backups, built for the server just installed.
  PG_MAJOR=$(basename "$(dirname "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)")")
  apt_install "postgresql-$PG_MAJOR-cron"
fi
if [ "$WHAT" = all ]; then
  if [ ! -d "$ROOT/tests/e2e/node_modules/playwright-core" ]; then
    say "npm ci in tests/e2e (playwright-core; it never downloads a browser)"
    (cd "$ROOT/tests/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
fi

say "toolchain ready (put $TOOLS/node_modules/.bin first on PATH for wasm-opt)"
