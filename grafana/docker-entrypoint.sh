#!/bin/sh
# Grafana's admin password, never a default: GRAFANA_ADMIN_PASSWORD when set; otherwise one generated
# on first start and kept in the data volume, so it stays the same across restarts. Read it with
#   docker compose exec grafana cat /var/lib/grafana/admin-password
# (POSIX sh: the official image has no bash.)
set -eu
file=/var/lib/grafana/admin-password
if [ -n "${GRAFANA_ADMIN_PASSWORD:-}" ]; then
  password=$GRAFANA_ADMIN_PASSWORD
elif [ -s "$file" ]; then
  password=$(cat "$file")
else
  umask 077
  password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$file"
  echo "cloud-benchmark: generated a Grafana admin password; read it with: docker compose exec grafana cat $file"
fi
GF_SECURITY_ADMIN_PASSWORD=$password
export GF_SECURITY_ADMIN_PASSWORD
unset GRAFANA_ADMIN_PASSWORD
exec /run.sh "$@"
