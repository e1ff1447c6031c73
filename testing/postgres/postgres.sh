#!/usr/bin/env bash
# PostgreSQL on loopback for the tests that run against it (the storage tests on both databases,
# ClusterTest, ClusterE2E, DatabaseCopyE2E, the bench's postgres and failover scenarios).
#
#   postgres.sh install   Debian's postgresql package (apt-get), if it is not installed
#   postgres.sh start     starts the cluster and makes the login the tests use:
#                         role grapple, password grapple, CREATEDB; database grapple
#   postgres.sh stop      stops the cluster
#   postgres.sh url       prints postgresql://grapple:grapple@127.0.0.1:<port>/grapple
#
# Tests find it through GRAPPLE_TEST_POSTGRES (default: that URL on port 5432).
set -euo pipefail

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

cluster() {
  # The newest installed version's first cluster, e.g. "15 main".
  pg_lsclusters --no-header | awk 'NR == 1 { print $1, $2 }'
}

port() {
  pg_lsclusters --no-header | awk 'NR == 1 { print $3 }'
}

case "${1:-}" in
  install)
    if command -v pg_lsclusters >/dev/null && [ -n "$(cluster)" ]; then
      echo "postgres: installed ($(cluster))"
      exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    echo "postgres: installed ($(cluster))"
    ;;
  start)
    read -r version name <<<"$(cluster)"
    if ! pg_lsclusters --no-header | awk 'NR == 1 { print $4 }' | grep -q online; then
      pg_ctlcluster "$version" "$name" start
    fi
    as_postgres psql -qtA -p "$(port)" -c "SELECT 1" >/dev/null
    if [ "$(as_postgres psql -qtA -p "$(port)" -c "SELECT count(*) FROM pg_roles WHERE rolname = 'grapple'")" = 0 ]; then
      as_postgres psql -q -p "$(port)" -c "CREATE ROLE grapple LOGIN PASSWORD 'grapple' CREATEDB"
    fi
    if [ "$(as_postgres psql -qtA -p "$(port)" -c "SELECT count(*) FROM pg_database WHERE datname = 'grapple'")" = 0 ]; then
      as_postgres psql -q -p "$(port)" -c "CREATE DATABASE grapple OWNER grapple"
    fi
    echo "postgres: running on 127.0.0.1:$(port) (cluster $version $name)"
    ;;
  stop)
    read -r version name <<<"$(cluster)"
    pg_ctlcluster "$version" "$name" stop || true
    ;;
  url)
    echo "postgresql://grapple:grapple@127.0.0.1:$(port)/grapple"
    ;;
  *)
    echo "usage: $0 install|start|stop|url" >&2
    exit 2
    ;;
esac
