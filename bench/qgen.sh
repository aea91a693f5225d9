#!/usr/bin/env bash
# Quiz generation time: bench/qgen_bench.c against the Release build's libraries, on a
# 300-page material made of the qgen fixture text laid down 48 times (about 150,000 words,
# 3,000 passages): 20 and 100 questions, and WordNet's open and lookup times.
#
#   bench/qgen.sh [BUILD_DIR] [COPIES]    default: build (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release), 48
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bdir=${1:-$repo/build}
copies=${2:-48}
[[ -f $bdir/libem_learn.a && -f $bdir/libem_content.a && -f $bdir/libem_core.a ]] ||
  { echo "no libem_learn.a in $bdir: build it first (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -I"$repo/src" "$here/qgen_bench.c" "$bdir/libem_learn.a" "$bdir/libem_content.a" "$bdir/libem_core.a" \
  $(pkg-config --libs libsodium) -lstemmer -lm -lpthread -o "$tmp/qgen_bench"
"$tmp/qgen_bench" "$repo/tests/fixtures/qgen/unix_filesystem.md" "$copies"
