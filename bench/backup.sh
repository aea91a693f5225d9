#!/usr/bin/env bash
# Backup benchmark: how long `exammentor backup create`, `verify` and `restore` take on a
# database of real material, against the by-hand way (sqlite3's .backup and cp -r of the
# stored files), in one run.
#
#   bench/backup.sh                  # COPIES=20 copies of the Debian Reference PDF (or of
#                                    # tests/fixtures/bashref.md without it), REPS=5
#   COPIES=5 REPS=3 bench/backup.sh  # a quick check
#
# Steps, on a fresh SQLite database in a temporary directory:
#   1. `exammentor ingest` COPIES copies of FILE (each a material with its original stored)
#   2. per rep: `backup create` into a fresh BACKUP_DIR (wall time), `backup verify` of it,
#      the by-hand copy (`sqlite3 DB ".backup OUT"` then `cp -r DATA_DIR/files OUT/`), and
#      `backup restore --yes` of the backup
# Output: bench/results/backup-<stamp>/summary.txt (medians, sizes, ratios) and runs.tsv.
# Needs sqlite3 (Debian's sqlite3) for the by-hand copy.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
COPIES=${COPIES:-20}
REPS=${REPS:-5}
EM_BIN=${EM_BIN:-$root/build/exammentor}
FILE=${FILE:-/usr/share/debian-reference/debian-reference.en.pdf}
[[ -f $FILE ]] || FILE=$root/tests/fixtures/bashref.md
for k in COPIES REPS; do [[ ${!k} =~ ^[1-9][0-9]*$ ]] || { echo "$k must be a positive integer" >&2; exit 2; }; done
[[ -x $EM_BIN ]] || { echo "build first: $EM_BIN is missing" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing (apt-get install sqlite3)" >&2; exit 2; }

stamp=$(date +%Y%m%d-%H%M%S)
out=$here/results/backup-$stamp
mkdir -p "$out"
tmp=$(mktemp -d /tmp/exammentor-backup-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export DATABASE_URL="sqlite://$tmp/data/exammentor.db" DATA_DIR="$tmp/data" ENVIRONMENT=local
export EXAMMENTOR_ENV_FILE="$tmp/none.env" FIRST_SUPERUSER=owner@example.org
export FIRST_SUPERUSER_PASSWORD='a long enough password for the owner' ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192

now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

echo "ingesting $COPIES copies of $(basename "$FILE") ..." >&2
files=()
for ((i = 0; i < COPIES; i++)); do
  cp "$FILE" "$tmp/copy-$i-$(basename "$FILE")"
  files+=("$tmp/copy-$i-$(basename "$FILE")")
done
"$EM_BIN" ingest "${files[@]}" >/dev/null
db_bytes=$(stat -c %s "$tmp/data/exammentor.db")
file_bytes=$(du -sb "$tmp/data/files" | cut -f1)

printf 'rep\tcreate_ms\tverify_ms\tby_hand_ms\trestore_ms\n' >"$out/runs.tsv"
for ((r = 1; r <= REPS; r++)); do
  export BACKUP_DIR="$tmp/backups-$r"
  t0=$(now_ms); path=$("$EM_BIN" backup create | head -1); t1=$(now_ms)
  "$EM_BIN" backup verify "$path" >/dev/null; t2=$(now_ms)
  mkdir -p "$tmp/by-hand-$r"
  sqlite3 "$tmp/data/exammentor.db" ".backup '$tmp/by-hand-$r/exammentor.db'"
  cp -r "$tmp/data/files" "$tmp/by-hand-$r/"; t3=$(now_ms)
  "$EM_BIN" backup restore "$path" --yes >/dev/null; t4=$(now_ms)
  printf '%d\t%d\t%d\t%d\t%d\n' "$r" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) >>"$out/runs.tsv"
  rm -rf "$tmp/by-hand-$r" "$BACKUP_DIR"
done

col() { awk -F'\t' -v c="$1" 'NR > 1 {print $c}' "$out/runs.tsv" | median; }
create=$(col 2) verify=$(col 3) by_hand=$(col 4) restore=$(col 5)
{
  echo "backup benchmark $stamp, commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "material: $COPIES copies of $(basename "$FILE"); database $db_bytes bytes, stored files $file_bytes bytes"
  echo "medians of $REPS reps (ms): create $create, verify $verify, restore $restore, by hand (sqlite3 .backup + cp -r) $by_hand"
  awk -v c="$create" -v h="$by_hand" 'BEGIN {printf "create / by hand: %.2fx the time (create also hashes every file and writes the manifest)\n", c / h}'
} | tee "$out/summary.txt"
