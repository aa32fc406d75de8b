#!/bin/sh
# Run by the postgres image on its first start (/docker-entrypoint-initdb.d/).
set -eu
psql --username "$POSTGRES_USER" --dbname postgres \
    -v database=portal \
    -v owner=portal_owner -v owner_password="$PORTAL_OWNER_PASSWORD" \
    -v app=portal_app -v app_password="$PORTAL_APP_PASSWORD" \
    -f /etc/portal/roles.sql
