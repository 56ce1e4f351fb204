"""PostgreSQL row-level security: the second wall behind the ORM tenant scope.

Used by migrations only. Each tenant table gets ``ENABLE`` + ``FORCE ROW LEVEL
SECURITY`` and one policy comparing ``tenant_id`` with the per-transaction setting
``app.tenant_id`` that ``core.db`` writes at the start of every ORM transaction.
The application's ORM session runs as the non-owner role ``permanence_app``
(superusers and table owners would bypass the policies).
"""

from __future__ import annotations

APP_ROLE = "permanence_app"
_CURRENT = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
_CURRENT_USER = "NULLIF(current_setting('app.user_id', true), '')::integer"


def is_postgresql(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_app_role(op, role: str = APP_ROLE) -> None:
    """The role the app's ORM session assumes; it gets data rights only, never DDL."""
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN;
          END IF;
        END $$;
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")


def enable_tenant_rls(op, table: str, *, allow_platform_rows: bool = False, own_rows_column: str | None = None) -> None:
    """Only rows of the transaction's tenant are visible or writable.

    ``allow_platform_rows`` lets rows with no tenant be written (platform-level audit events)
    while still never being read through the tenant's session. ``own_rows_column`` lets the
    signed-in user read their own rows in every tenant (their memberships, for the switcher)."""
    check = f"tenant_id = {_CURRENT}"
    using = check
    if allow_platform_rows:
        check = f"tenant_id IS NULL OR {check}"
    if own_rows_column:
        using = f"{using} OR {own_rows_column} = {_CURRENT_USER}"
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
    op.execute(f'CREATE POLICY tenant_isolation ON "{table}" USING ({using}) WITH CHECK ({check})')


def make_append_only(op, table: str, role: str = APP_ROLE) -> None:
    """No UPDATE or DELETE, whoever asks: revoked from the app role and refused by a trigger."""
    op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}')
    op.execute("""
        CREATE OR REPLACE FUNCTION permanence_refuse_change() RETURNS trigger AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$ LANGUAGE plpgsql;
    """)
    op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"')
    op.execute(f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" '
               'FOR EACH ROW EXECUTE FUNCTION permanence_refuse_change()')
