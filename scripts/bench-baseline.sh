#!/usr/bin/env bash
# The app as it was at a given commit ("today's build" for the first-load benchmark,
# tests/e2e/bench/first-load.mjs), built once and kept:
#
#   scripts/bench-baseline.sh [commit]      (default 744db61, before the size work of issue 12)
#
# builds `trunk build --release --public-url /punctaj/` from a `git worktree` of that commit into
# target/bench-baseline/<commit>/dist, with its own Cargo target directory (a cold build: several
# minutes), then precompresses it (scripts/precompress.mjs) and removes the worktree and the
# target directory; only dist/ and build.log stay. Does nothing if that dist/ is already there.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cache/punctaj-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

COMMIT=${1:-744db61}
OUT="$ROOT/target/bench-baseline/$COMMIT"
DIST="$OUT/dist"
SRC="$OUT/src"
LOG="$OUT/build.log"

say() { printf '\033[1;34m[baseline]\033[0m %s\n' "$*"; }

present() { compgen -G "$DIST/*.wasm" >/dev/null && [ -f "$DIST/index.html" ]; }
if present; then
  say "reusing $DIST (delete it to rebuild)"
  exit 0
fi
# One build at a time (two benches started together wait for each other, then reuse).
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
if present; then
  say "reusing $DIST (built meanwhile)"
  exit 0
fi

git rev-parse --verify --quiet "$COMMIT^{commit}" >/dev/null || { echo "unknown commit $COMMIT" >&2; exit 1; }
rm -rf "$DIST" "$DIST.tmp"
# A worktree left by an interrupted run: remove it and start again.
if [ -e "$SRC" ]; then
  git worktree remove --force "$SRC" 2>/dev/null || rm -rf "$SRC"
fi
git worktree prune
cleanup() {
  git -C "$ROOT" worktree remove --force "$SRC" 2>/dev/null || rm -rf "$SRC"
  git -C "$ROOT" worktree prune || true
}
trap cleanup EXIT

say "building the app at $COMMIT once into $DIST: a cold release build, several minutes (log: $LOG)"
started=$(date +%s)
git worktree add --detach --quiet "$SRC" "$COMMIT"
(
  cd "$SRC"
  # Its own target directory: nothing shared with the main checkout's builds running beside it.
  export CARGO_TARGET_DIR="$OUT/target"
  cargo fetch --quiet || echo "cargo fetch failed: building with the crates already cached"
  trunk build --release --public-url /punctaj/ --dist "$DIST.tmp"
) >"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; echo "baseline build failed (log: $LOG)" >&2; exit 1; }
node "$ROOT/scripts/precompress.mjs" "$DIST.tmp" >>"$LOG" 2>&1
mv "$DIST.tmp" "$DIST"
rm -rf "$OUT/target"
say "built $COMMIT in $(( $(date +%s) - started )) s"
