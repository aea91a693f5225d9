#!/usr/bin/env bash
# Keep banned C functions out of src/ (STYLE rule 13): unbounded or unchecked
# string and number functions. Prints offending lines and fails when any exist.
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|atof|strtok|strncpy|strncat|tmpnam|mktemp)[[:space:]]*\('
if grep -rnE "$banned" src/ --include='*.c' --include='*.h'; then
  echo "lint: banned functions above (use snprintf, buf_*, strtol with checks, strtok_r)" >&2
  exit 1
fi
echo "lint: ok"
