#!/usr/bin/env bash
# Worksheet parsing time: bench/worksheet_parse.c against the Release build's libraries, for
# worksheets of 200 and 2,000 questions (the second shows the time grows with the input).
#
#   bench/worksheet.sh [BUILD_DIR]        default: build (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bdir=${1:-$repo/build}
[[ -f $bdir/libem_content.a && -f $bdir/libem_core.a ]] ||
  { echo "no libem_content.a in $bdir: build it first (scripts/build.sh build -DCMAKE_BUILD_TYPE=Release)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -I"$repo/src" "$here/worksheet_parse.c" "$bdir/libem_content.a" "$bdir/libem_core.a" \
  $(pkg-config --libs jansson) -lm -lpthread -o "$tmp/worksheet_parse"
"$tmp/worksheet_parse" 200 2000
"$tmp/worksheet_parse" 2000 200
