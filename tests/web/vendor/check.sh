#!/usr/bin/env bash
# Compare the vendored files with the npm tarballs of the versions ../package-lock.json pins
# (needs npm and the registry; the tests themselves need neither).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for pkg in playwright-core axe-core; do
  version=$(node -e "console.log(require('$here/../package-lock.json').packages['node_modules/$pkg'].version)")
  integrity=$(node -e "console.log(require('$here/../package-lock.json').packages['node_modules/$pkg'].integrity)")
  tarball=$(npm pack --silent "$pkg@$version")
  got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [[ $got == "$integrity" ]] || { echo "$pkg $version: the tarball does not match the lock" >&2; exit 1; }
  mkdir -p "x-$pkg" && tar -xzf "$tarball" -C "x-$pkg"
  (cd "$here/node_modules/$pkg" && find . -type f) | while read -r f; do
    cmp -s "$here/node_modules/$pkg/$f" "x-$pkg/package/$f" || { echo "$pkg: $f differs" >&2; exit 1; }
  done
  echo "$pkg $version: every vendored file is as published"
done
