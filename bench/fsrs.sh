#!/usr/bin/env bash
# FSRS scheduling speed: exammentor's scheduler (bench/fsrs_bench.c against the Release build's
# libraries) and ts-fsrs under node (bench/fsrs_bench.cjs) on the same workload in the same run:
# CARDS cards in review (default 1,000,000), each scheduled once (REVIEWS, default 1, more at its
# due dates; see bench/fsrs_bench.c).
# Prints each side's cards/s and the ratio, and checks both scheduled the same days.
#
#   bench/fsrs.sh [BUILD_DIR]        default: build (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release)
#   CARDS=100000 REVIEWS=5 bench/fsrs.sh     (ts-fsrs takes about 100 s a million reviews here)
#
# ts-fsrs is the copy tests/fsrs/vendor keeps (the version tests/fsrs/package-lock.json pins)
# (the directory tests/fsrs/compare.sh uses), once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bdir=${1:-$repo/build}
cards=${CARDS:-1000000}
reviews=${REVIEWS:-1}
[[ -f $bdir/libem_learn.a && -f $bdir/libem_core.a ]] ||
  { echo "no libem_learn.a in $bdir: build it first (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release)" >&2; exit 1; }
for tool in node; do
  command -v "$tool" >/dev/null || { echo "bench/fsrs.sh: $tool is not installed (scripts/deps.sh test)" >&2; exit 1; }
done
work=$bdir/fsrs-ref
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -I"$repo/src" "$here/fsrs_bench.c" "$bdir/libem_learn.a" "$bdir/libem_core.a" \
  $(pkg-config --libs jansson) -lm -lpthread -o "$tmp/fsrs_bench"
ours=$("$tmp/fsrs_bench" "$cards" "$reviews")
theirs=$(NODE_PATH=$repo/tests/fsrs/vendor node "$here/fsrs_bench.cjs" "$cards" "$reviews")
echo "$ours"
echo "$theirs"
field() { sed -E "s/.*\"$1\":\"?([^,\"}]*).*/\1/" <<<"$2"; }
[[ $(field checksum "$ours") == $(field checksum "$theirs") ]] ||
  { echo "bench/fsrs.sh: the two schedulers disagree (checksums differ)" >&2; exit 1; }
ours_cps=$(field cards_per_s "$ours")
theirs_cps=$(field cards_per_s "$theirs")
awk -v a="$ours_cps" -v b="$theirs_cps" -v n="$cards" -v r="$reviews" \
  'BEGIN { printf "FSRS scheduling, %d cards x %d reviews: exammentor %.0f cards/s, ts-fsrs %.0f cards/s, ratio %.1fx\n", n, r, a, b, a / b }'
