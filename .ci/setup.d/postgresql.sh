#!/usr/bin/env bash
# PostgreSQL server binaries for tests/test_sql.py (the test starts its own throwaway server).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || command -v initdb > /dev/null; then
  exit 0
fi
apt-get update && apt-get install -y postgresql
