#!/usr/bin/env bash
# The portal's two database logins, made by the superuser (POSTGRES_USER) and used by nobody
# else afterwards (the same steps as src/platform/dbRole.ts ensureLogins does for the
# embedded server):
#   ecpa_owner  owns the database, its public schema and every table: migrations and seeds
#               (DATABASE_OWNER_URL). Not a superuser, may not create roles or databases.
#   ecpa_app    the running portal (DATABASE_URL): not a superuser, not a member of ecpa_owner,
#               owns nothing; its table privileges are granted by the owner at each start.
#
# PostgreSQL's image runs this once, when the data volume is new. It is idempotent: for a
# volume made by an earlier version (tables owned by the superuser), run it once by hand:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-ecpa-logins.sh
# It also resets both passwords to ECPA_OWNER_PASSWORD / ECPA_APP_PASSWORD.
set -euo pipefail

: "${ECPA_OWNER_PASSWORD:?set ECPA_OWNER_PASSWORD (the schema owner login's password)}"
: "${ECPA_APP_PASSWORD:?set ECPA_APP_PASSWORD (the portal login's password)}"
if [ "$ECPA_OWNER_PASSWORD" = "$ECPA_APP_PASSWORD" ] || [ "$ECPA_APP_PASSWORD" = "${POSTGRES_PASSWORD:-}" ] || [ "$ECPA_OWNER_PASSWORD" = "${POSTGRES_PASSWORD:-}" ]; then
  echo "ECPA_OWNER_PASSWORD, ECPA_APP_PASSWORD and POSTGRES_PASSWORD must differ" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-ecpa}" \
  -v owner_pw="$ECPA_OWNER_PASSWORD" -v app_pw="$ECPA_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY['ecpa_owner', 'ecpa_app']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE ecpa_owner LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE ecpa_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
-- The app may never become the owner (SET ROLE) or anyone else.
SELECT format('REVOKE %I FROM ecpa_app', g.rolname)
  FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
 WHERE u.rolname = 'ecpa_app' \gexec
SELECT format('ALTER DATABASE %I OWNER TO ecpa_owner', current_database()) \gexec
ALTER SCHEMA public OWNER TO ecpa_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- The job queue's schema (pg-boss), when a version that had it migrated as the superuser.
SELECT 'ALTER SCHEMA pgboss OWNER TO ecpa_owner' FROM pg_namespace
 WHERE nspname = 'pgboss' AND pg_get_userbyid(nspowner) <> 'ecpa_owner' \gexec
-- What an earlier version made as the superuser goes to the owner: tables and views (their
-- own sequences follow), free sequences, functions, types.
SELECT format('ALTER %s %I.%I OWNER TO ecpa_owner', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('public', 'pgboss') AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> 'ecpa_owner' \gexec
SELECT format('ALTER SEQUENCE %I.%I OWNER TO ecpa_owner', n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('public', 'pgboss') AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> 'ecpa_owner'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) \gexec
SELECT format('ALTER ROUTINE %s OWNER TO ecpa_owner', p.oid::regprocedure)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('public', 'pgboss') AND pg_get_userbyid(p.proowner) <> 'ecpa_owner'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER TYPE %s OWNER TO ecpa_owner', t.oid::regtype)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname IN ('public', 'pgboss') AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0 AND pg_get_userbyid(t.typowner) <> 'ecpa_owner'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') \gexec
SQL
echo "ecpa_owner and ecpa_app are ready"
