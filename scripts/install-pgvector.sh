#!/usr/bin/env bash
# Installs pgvector into the local PostgreSQL server when it lacks it (CI and development machines:
# Debian 12's PostgreSQL 15 has no pgvector package). Builds Debian's own source package (trixie's
# pgvector) against the server's headers, through a throw-away apt configuration so the machine's
# sources stay untouched. Without pgvector Kaozhao still runs; only duplicate-face search is off.
set -euo pipefail
url="${1:-postgres://postgres@127.0.0.1:5432/test}"
has() { [ "$(psql "$url" -Atc "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'" 2>/dev/null)" = 1 ]; }
if has; then exit 0; fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
ver=$(( $(psql "$url" -Atc 'SHOW server_version_num') / 10000 ))
pg_config="/usr/lib/postgresql/$ver/bin/pg_config"
echo "building pgvector for PostgreSQL $ver"
# The server package ships pg_config but not the headers: look for postgres.h itself.
if [ ! -x "$pg_config" ] || [ ! -f "$("$pg_config" --includedir-server 2>/dev/null)/postgres.h" ] ||
  ! command -v make >/dev/null || ! command -v gcc >/dev/null; then
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    "postgresql-server-dev-$ver" build-essential >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/sources"
cat >"$work/sources/trixie.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$work/sources" -o "Dir::State::Lists=$work/lists")
as_root apt-get "${apt_opts[@]}" update -qq
(cd "$work" && as_root apt-get "${apt_opts[@]}" source --download-only -qq pgvector >/dev/null 2>&1)
tar -xzf "$work"/pgvector_*.orig.tar.gz -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -1)
make -s -C "$src" PG_CONFIG="$pg_config" >/dev/null
as_root make -s -C "$src" PG_CONFIG="$pg_config" install >/dev/null
has && echo "pgvector installed"
