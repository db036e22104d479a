#!/usr/bin/env bash
# Full-build benchmark: generates an N-page site and times `piazza build` on it.
#   bench/bench.sh [PAGES]            (default 10000)
# Uses hyperfine when installed (apt-get install hyperfine), and reports peak memory
# with GNU time. To compare with Hugo or another generator, time it on the same
# machine in the same run: the machines are noisy, so only ratios mean something.
set -euo pipefail
cd "$(dirname "$0")/.."
pages="${1:-10000}"
site="${TMPDIR:-/tmp}/piazza-bench-$pages"
out="${TMPDIR:-/tmp}/piazza-bench-out"
cargo build --release --quiet
[ -d "$site" ] || python3 bench/gen_site.py --pages "$pages" --out "$site"
bin=target/release/piazza
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 1 -r 5 -p "rm -rf $out" "$bin build --quiet --site $site --out $out"
else
  rm -rf "$out"; time "$bin" build --quiet --site "$site" --out "$out"
fi
rm -rf "$out"
/usr/bin/time -f "peak memory: %M KB" "$bin" build --quiet --site "$site" --out "$out"
cargo run --release --quiet --example rebuild_latency -- "$site" 20
