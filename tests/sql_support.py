"""Counting the SQL statements a page runs: the page's own, not PostgreSQL's transaction plumbing
(the role and row-level-security settings each transaction begins with and writes again when the
council or user changes, and a sequence's next id for each insert), so a count holds on both
databases and does not move with how a request's transactions fall."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from permanence.extensions import db

PLUMBING = ("SET LOCAL ROLE", "SELECT set_config(", "select nextval(")


@contextmanager
def statements_run(app):
    """The statements run inside the block, in a list filled as they run."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if not statement.startswith(PLUMBING):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
