#!/usr/bin/env bash
# The FSRS scheduler against its reference: replays generated review logs with
# `exammentor fsrs replay` and with ts-fsrs under node (ref.cjs), and compares
# every review field by field (diff.cjs): scheduled days and due dates exactly,
# stability and difficulty within 1e-6. Runs with the defaults, with
# --retention 0.8, and with custom --weights. `exammentor fsrs evaluate` is
# checked against evaluate.cjs (ts-fsrs's predictions, the metrics written
# again in JavaScript) within 1e-9.
#
#   tests/fsrs/compare.sh EXAMMENTOR WORKDIR [CARDS]
#
# WORKDIR (under the build directory) receives the logs. node is required: without it
# this fails (scripts/deps.sh installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: compare.sh EXAMMENTOR WORKDIR [CARDS]}
work=${2:?usage: compare.sh EXAMMENTOR WORKDIR [CARDS]}
cards=${3:-600}

command -v node >/dev/null ||
  { echo "compare.sh: FAIL: node is not installed (scripts/deps.sh installs nodejs)" >&2; exit 1; }
[[ -x $bin ]] || { echo "compare.sh: FAIL: no executable $bin" >&2; exit 1; }

# The reference: ts-fsrs as published on npm at the version package-lock.json pins, its
# CommonJS build kept in vendor/ with its license (vendor/README), so the check needs no
# network: a machine with Debian's packages only runs it.
mkdir -p "$work"
export NODE_PATH=$here/vendor

log=$work/log.jsonl
node "$here/gen.cjs" "$cards" 20261207 >"$log"
weights="0.4,0.9,3.1,10.5,7.1,0.6,2.5,0.02,1.5,0.2,1.1,1.9,0.09,0.3,2.1,0.4,2.5,0.4,0.2,0.1,0.35"
status=0
run() {
  local name=$1
  shift
  "$bin" fsrs replay "$@" <"$log" >"$work/ours-$name.jsonl" ||
    { echo "compare.sh: FAIL ($name): exammentor fsrs replay exited $?" >&2; status=1; return; }
  node "$here/ref.cjs" "$@" <"$log" >"$work/ref-$name.jsonl" ||
    { echo "compare.sh: FAIL ($name): ref.cjs exited $?" >&2; status=1; return; }
  if node "$here/diff.cjs" "$work/ours-$name.jsonl" "$work/ref-$name.jsonl" >"$work/diff-$name.txt" 2>&1; then
    echo "ok ($name): $(tail -n 1 "$work/diff-$name.txt")"
  else
    echo "FAIL ($name):" >&2
    cat "$work/diff-$name.txt" >&2
    status=1
  fi
}
run defaults
run retention-0.8 --retention 0.8
run weights --weights "$weights"
run weights-retention-0.95 --retention 0.95 --weights "$weights"
# evaluate: the metrics against evaluate.cjs (ts-fsrs's R, the benchmark's formulas), within 1e-9.
run_evaluate() {
  local name=$1
  shift
  local ours ref
  ours=$("$bin" fsrs evaluate "$@" <"$log") || { echo "compare.sh: FAIL (evaluate $name): exited $?" >&2; status=1; return; }
  ref=$(node "$here/evaluate.cjs" "$@" <"$log") || { echo "compare.sh: FAIL (evaluate $name): evaluate.cjs exited $?" >&2; status=1; return; }
  if node -e '
    const [a, b] = process.argv.slice(1).map(JSON.parse);
    const bad = ["count", "log_loss", "rmse_bins", "auc"].filter((k) => !(Math.abs(a[k] - b[k]) <= 1e-9));
    process.exit(bad.length === 0 && a.count > 0 ? 0 : 1);' "$ours" "$ref"; then
    echo "ok (evaluate $name): $ours"
  else
    echo "FAIL (evaluate $name): ours $ours, reference $ref" >&2
    status=1
  fi
}
run_evaluate defaults
run_evaluate weights --retention 0.8 --weights "$weights"
if [[ $status == 0 ]]; then
  echo "6 passed, 0 failed"
else
  echo "compare.sh: the replay differs from ts-fsrs" >&2
fi
exit $status
