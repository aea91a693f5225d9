#!/usr/bin/env bash
# The rules a compiler does not check:
#   1. no banned C functions in src/ (STYLE rule 13): unbounded or unchecked
#      string and number functions;
#   2. handlers and commands hold no SQL: no db_ call under src/api/ or src/cli/
#      (they call the areas' use cases; the database belongs to the areas);
#   3. handlers never see the configuration: no config.h under src/api/ (they get
#      api_ctx's narrow settings).
# Prints offending lines and fails when any exist.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|atof|strtok|strncpy|strncat|tmpnam|mktemp)[[:space:]]*\('
if grep -rnE "$banned" src/ --include='*.c' --include='*.h'; then
  echo "lint: banned functions above (use snprintf, buf_*, strtol with checks, strtok_r)" >&2
  status=1
fi
if grep -rnE '\bdb_[a-z0-9_]+[[:space:]]*\(' src/api/ src/cli/ --include='*.c' --include='*.h'; then
  echo "lint: database calls above in handlers or commands (move them into the area's module)" >&2
  status=1
fi
if grep -rnE '#include "core/config.h"|\bcfg\.|->cfg\b' src/api/ --include='*.c' --include='*.h'; then
  echo "lint: handlers above read the configuration (give them a setting in api_ctx)" >&2
  status=1
fi
[[ $status == 0 ]] && echo "lint: ok"
exit $status
