#!/bin/sh
# Grafana's admin password, never a default: GRAFANA_ADMIN_PASSWORD when set; otherwise one generated
# on first start and kept in the data volume, so it stays the same across restarts. Read it with
#   docker compose exec grafana cat /var/lib/grafana/admin-password
# Grafana itself applies GF_SECURITY_ADMIN_PASSWORD only when it creates the admin user, on the first
# start of an empty volume; a later change is applied here, before the server starts, with Grafana's
# own `grafana cli admin reset-admin-password` (docs/upstream-evidence.md, Grafana).
# (POSIX sh: the official image has no bash in every variant.)
set -eu
data=${GF_PATHS_DATA:-/var/lib/grafana}
file=$data/admin-password     # a generated password, while it is the one in force
applied=$data/admin-password.sha256 # which password is in force (a hash: a given one is never stored)
db=$data/grafana.db

if [ -n "${GRAFANA_ADMIN_PASSWORD:-}" ]; then
  password=$GRAFANA_ADMIN_PASSWORD
  # A generated password no longer in force must not be read as the current one.
  rm -f "$file"
elif [ -s "$file" ]; then
  password=$(cat "$file")
elif [ -s "$db" ]; then
  # The password was given once and is no longer: it stays as it is (nothing here knows it).
  echo "cloud-benchmark: Grafana admin password unchanged (set GRAFANA_ADMIN_PASSWORD to change it)"
  unset GRAFANA_ADMIN_PASSWORD
  exec "${GRAFANA_RUN:-/run.sh}" "$@"
else
  umask 077
  password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$file"
  echo "cloud-benchmark: generated a Grafana admin password; read it with: docker compose exec grafana cat $file"
fi

hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
if [ -s "$db" ] && [ "$(cat "$applied" 2>/dev/null || true)" != "$hash" ]; then
  echo "cloud-benchmark: applying the changed Grafana admin password"
  printf '%s\n' "$password" | grafana cli --homepath "${GF_PATHS_HOME:-/usr/share/grafana}" \
    --config "${GF_PATHS_CONFIG:-/etc/grafana/grafana.ini}" admin reset-admin-password --password-from-stdin
fi
umask 077
printf '%s\n' "$hash" >"$applied"

GF_SECURITY_ADMIN_PASSWORD=$password
export GF_SECURITY_ADMIN_PASSWORD
unset GRAFANA_ADMIN_PASSWORD
exec "${GRAFANA_RUN:-/run.sh}" "$@"
