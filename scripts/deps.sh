#!/usr/bin/env bash
# Install the Debian packages exammentor needs, only when some are missing.
#   scripts/deps.sh run    build and run the server
#   scripts/deps.sh test   also the test tools: cmocka, curl, PostgreSQL 15, clang (libFuzzer), wrk,
#                          mutool and PyPDF (the ingestion benchmark's references), nodejs (runs
#                          the vendored ts-fsrs, the FSRS scheduler's reference: tests/fsrs/compare.sh,
#                          and the browser tests' vendored playwright-core and axe-core: tests/web),
#                          chromium and fonts-dejavu-core (screenshots with text)
# Needs root (or sudo) on Debian 12. Prints what it installs; silent when nothing is missing.
set -euo pipefail
what=${1:-run}
run_pkgs=(cmake make gcc libc6-dev pkg-config
          libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev libjwt-dev
          libcurl4-openssl-dev libmagic-dev libmagic-mgc libstemmer-dev libcmark-dev
          libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libjpeg-dev
          libfreetype-dev libharfbuzz-dev ca-certificates tzdata wordnet-base)
test_pkgs=(libcmocka-dev curl postgresql redis-server clang libclang-rt-14-dev
           procps wrk mupdf-tools python3-pypdf nodejs chromium fonts-dejavu-core)
case $what in
  run) pkgs=("${run_pkgs[@]}") ;;
  test) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: scripts/deps.sh run|test" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "scripts/deps.sh: need root to install ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
