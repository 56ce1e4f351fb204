"""Tenant scoping for every ORM query, in one place.

Every tenant-owned model inherits ``TenantScoped``. A single ``do_orm_execute``
listener adds ``with_loader_criteria`` for the current tenant to every ORM
SELECT, UPDATE and DELETE, so no view can forget it; with no tenant set the
criterion matches nothing (fails closed). A ``before_flush`` listener stamps the
tenant on new rows and refuses rows of another tenant. On PostgreSQL the same
tenant is written into ``app.tenant_id`` at the start of each transaction so
row-level security policies (see ``core.rls``) are a second wall.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort
from werkzeug.routing import IntegerConverter
from sqlalchemy import ARRAY, ForeignKey, Integer, TypeDecorator, any_, bindparam, event, select, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from ..extensions import db
from . import context
from .clock import utcnow


MAX_ID = 2**31 - 1  # the largest value of the INTEGER columns every id and count is stored in


def among(column, ids):
    """``column`` is one of ``ids``, the one way to ask for many rows by id. On PostgreSQL it is one
    array parameter (``= ANY(:ids)``): ``IN`` with 500 parameters made a 10 KB statement that the
    driver parsed afresh every time (too long for its cache), a third of a nightly batch's time.
    SQLite has no arrays, so there it is ``IN``."""
    ids = [int(i) for i in ids]
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=IdArray()))
    return column.in_(ids)


def by_id(model, ids) -> dict[int, object]:
    """The ORM objects of ``model`` with these ids, by id, in one query (none asked: no query)."""
    ids = list(ids)
    if not ids:
        return {}
    return {row.id: row for row in db.session.execute(select(model).where(among(model.id, ids))).scalars()}


class IdArray(TypeDecorator):
    """``integer[]`` sent as its text, ``{1,2,3}``: the statement casts the parameter (``::INTEGER[]``),
    so the server reads it once when binding; psycopg's list adapter checked every element with a
    regular expression (25 ms of a home page whose clauses carry a member's thousand items)."""

    impl = ARRAY(Integer)
    cache_ok = True

    def bind_processor(self, dialect):
        return lambda ids: "{" + ",".join(map(str, ids)) + "}"


class TransactionMemo:
    """Values read once per transaction and kept in the session's ``info``: what every visibility
    clause or every section of a page asks for (the ToR version in force, a member's seats). Forgotten
    on a commit, a rollback, or a flush that adds, changes or deletes a row of one of ``models``."""

    _all: list["TransactionMemo"] = []

    def __init__(self, name: str, models: tuple[type, ...]):
        self.name, self.models = name, models
        TransactionMemo._all.append(self)

    def get(self, key, read):
        """The value for ``key`` this transaction, ``read()`` the first time it is asked for."""
        known = db.session.info.setdefault(self.name, {})
        if key not in known:
            known[key] = read()
        return known[key]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_memos(session, *_):
    for memo in TransactionMemo._all:
        session.info.pop(memo.name, None)


@event.listens_for(Session, "before_flush")
def _forget_changed_memos(session, flush_context, instances):
    held = [memo for memo in TransactionMemo._all if memo.name in session.info]
    if not held:
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    for memo in held:
        if any(isinstance(obj, memo.models) for obj in changed):
            session.info.pop(memo.name, None)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number an INTEGER column can hold. A bigger one matches no
    route (404, like any id that does not exist) instead of failing in the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TenantScoped:
    """Mixin for rows owned by one council."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True, nullable=False)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantIsolationError(RuntimeError):
    """A write would cross tenants, or tenant-owned data was written with no tenant set."""


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(execute_state):
    if execute_state.is_column_load or execute_state.is_relationship_load:
        return
    if not (execute_state.is_select or execute_state.is_update or execute_state.is_delete):
        return
    if context.all_tenants_allowed() or execute_state.execution_options.get("all_tenants"):
        return
    tenant_id = context.current_tenant_id()
    execute_state.statement = execute_state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            track_closure_variables=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session, flush_context, instances):
    tenant_id = context.current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantIsolationError(f"{type(obj).__name__} created with no tenant set")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id and not context.all_tenants_allowed():
            raise TenantIsolationError(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and tenant_id is not None and obj.tenant_id != tenant_id \
                and not context.all_tenants_allowed():
            raise TenantIsolationError(f"{type(obj).__name__} belongs to another tenant")


_APPLIED = "rls_settings"  # in the session's info: the (tenant, user) this transaction's settings hold


def _apply_settings(session, connection) -> None:
    """Write the tenant and user into PostgreSQL's per-transaction settings read by the RLS policies
    (skipped when they hold these already: a page enters its own council's context several times)."""
    tenant_id = context.current_tenant_id()
    user_id = context.current_actor().user_id
    values = ("" if tenant_id is None else str(tenant_id), "" if user_id is None else str(user_id))
    if session.info.get(_APPLIED) == values:
        return
    connection.execute(text("SELECT set_config('app.tenant_id', :tid, true), set_config('app.user_id', :uid, true)"),
                       {"tid": values[0], "uid": values[1]})
    session.info[_APPLIED] = values


@event.listens_for(Session, "after_begin")
def _after_begin(session, transaction, connection):
    if connection.dialect.name != "postgresql":
        return
    from flask import current_app

    role = current_app.config.get("DATABASE_APP_ROLE")
    if role:
        connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    session.info.pop(_APPLIED, None)  # a new transaction starts with none
    _apply_settings(session, connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_applied(session, transaction):
    """A savepoint rolled back takes its settings with it, and a transaction's end all of them: the
    next change writes them again."""
    session.info.pop(_APPLIED, None)


@context.on_tenant_change
def _context_changed(tenant_id):
    """Keep PostgreSQL's settings in step when code switches tenant or actor mid-transaction."""
    from flask import has_app_context

    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        _apply_settings(session, session.connection())


def get_or_404(model, ident):
    """Load one row by primary key through the tenant scope: another tenant's row is a 404."""
    obj = db.session.execute(select(model).where(model.id == ident)).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj
