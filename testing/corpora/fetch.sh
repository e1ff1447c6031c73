#!/usr/bin/env bash
# Fetches the GitHub test corpora (see SOURCES.md) from the npm registry into a cache directory:
#   ${GRAPPLE_CORPORA:-$HOME/.cache/grapple-corpora}/<package>-<version>/package/...
# Idempotent and quiet on success: a package already in the cache is not fetched again. Each
# package appears in the cache whole or not at all (unpacked aside, then renamed), so runs that
# overlap (two test JVMs) are safe. GithubCorpus runs this when the cache is missing.
set -euo pipefail

cache="${GRAPPLE_CORPORA:-$HOME/.cache/grapple-corpora}"

# fetch <npm name> <version> <sha512 integrity from `npm view <name>@<version> dist.integrity`> <files to keep...>
fetch() {
  local name=$1 version=$2 integrity=$3
  shift 3
  local dir="$cache/$(echo "${name#@}" | tr / -)-$version"
  [[ -d "$dir" ]] && return 0
  mkdir -p "$cache"
  local tmp
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  if ! (cd "$tmp" && npm pack --loglevel=error "$name@$version" >/dev/null 2>"$tmp/npm.err"); then
    echo "fetch.sh: npm pack $name@$version failed (is the npm registry reachable?):" >&2
    cat "$tmp/npm.err" >&2
    return 1
  fi
  local tgz=("$tmp"/*.tgz)
  local actual
  actual=$(node -e 'const c=require("crypto"),f=require("fs");
    process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "${tgz[0]}")
  if [[ "$actual" != "$integrity" ]]; then
    echo "fetch.sh: $name@$version: integrity $actual, expected $integrity" >&2
    return 1
  fi
  mkdir "$tmp/out"
  tar xzf "${tgz[0]}" -C "$tmp/out" "$@"
  # Another run may have won the race; its copy is as good as ours.
  mv -T "$tmp/out" "$dir" 2>/dev/null || [[ -d "$dir" ]]
}

fetch @octokit/webhooks-examples 7.6.1 \
  'sha512-De6U3XB6O3DtCa7bKgCMzTHdeopqqZ6SNivMYJnK65ierKL1AnNIA0tkRYCRS7lwGT792d+Ps1WbfHlso6MynQ==' \
  package/package.json package/README.md package/api.github.com/index.json

# The package is 385 MB unpacked (every GitHub flavour, bundled and dereferenced); keep the 13 MB we use.
fetch @octokit/openapi 23.0.2 \
  'sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg==' \
  package/package.json package/LICENSE package/README.md package/generated/api.github.com.json
