#!/usr/bin/env bash
# bench/extraction.sh: peak memory and time of extracting hostile inputs, one process each.
#
#   bench/extraction.sh [BIN...]        default: build/exammentor
#
# For every binary and every input, `exammentor ingest` runs in a fresh copy of a data
# directory prepared once (migrated, superuser made), so the run does nothing but submit and
# extract the file. ARGON2_MEMLIMIT_KB=8192 keeps the superuser's password check out of the
# peak. Inputs: the hostile PDFs of build/mkfixtures, 80,000 Markdown headings (1 MB),
# 24 MB of "# H<n>" lines, and 24 MB of distinct words. Each run is cut at
# EXTRACTION_TIMEOUT_SECONDS (default 60) by the binary itself and at twice that plus 30 s
# by `timeout`. Prints: binary, input, outcome, peak RSS (MB), wall time (s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bins=("$@")
((${#bins[@]})) || bins=("$repo/build/exammentor")
limit=${EXTRACTION_TIMEOUT_SECONDS:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$repo/build/mkfixtures" "$tmp/in" >/dev/null 2>&1 || { mkdir -p "$tmp/in" && "$repo/build/mkfixtures" "$tmp/in" >/dev/null; }
awk 'BEGIN { for (i = 0; i < 80000; i++) printf "# Heading %d\n\nA line about heading %d.\n\n", i, i }' >"$tmp/in/headings80k.md"
awk 'BEGIN { n = 0; while (n < 24000000) { s = sprintf("# H%d\n", i++); n += length(s); printf "%s", s } }' >"$tmp/in/headings24mb.md"
awk 'BEGIN { srand(7); n = 0; while (n < 24000000) { w = ""; for (k = 0; k < 9; k++) w = w sprintf("%c", 97 + int(rand() * 26)); s = w ((++i % 12) ? " " : ".\n"); n += length(s); printf "%s", s } }' >"$tmp/in/words24mb.txt"
inputs=(bomb_gstate.pdf bomb_string.pdf bomb_glyphs.pdf bomb_image.pdf bomb_blank.pdf headings80k.md headings24mb.md words24mb.txt)

printf '%-40s %-18s %-8s %8s %8s\n' binary input outcome peak_MB secs
for bin in "${bins[@]}"; do
  prep=$tmp/prep
  rm -rf "$prep"
  DATA_DIR=$prep ARGON2_MEMLIMIT_KB=8192 "$bin" ingest "$tmp/in/notes.md" >/dev/null 2>&1 ||
    { echo "cannot prepare a data directory with $bin" >&2; exit 1; }
  for f in "${inputs[@]}"; do
    rm -rf "$tmp/run" && cp -a "$prep" "$tmp/run"
    outcome=ready
    DATA_DIR=$tmp/run ARGON2_MEMLIMIT_KB=8192 EXTRACTION_TIMEOUT_SECONDS=$limit LOG_LEVEL=error \
      timeout $((limit * 2 + 30)) /usr/bin/time -f '%M %e' -o "$tmp/time" \
      "$bin" ingest "$tmp/in/$f" >"$tmp/out" 2>&1 || outcome=failed
    grep -q ' ready ' "$tmp/out" || outcome=failed
    [[ -s $tmp/time ]] || { outcome=killed; echo "0 $((limit * 2 + 30))" >"$tmp/time"; }
    read -r kb secs < <(tail -1 "$tmp/time")
    printf '%-40s %-18s %-8s %8.0f %8s\n' "${bin/#$repo\//}" "$f" "$outcome" "$((kb / 1024))" "$secs"
  done
done
