"""The log: text for a person at a terminal, JSON lines for the operator's collector, and on every
record of a request or a job the ids that tie it together (never a name).

``configure_logging`` is called by ``create_app`` with ``LOG_FORMAT`` (``text``, the default, or
``json``). Like ``logging.basicConfig`` it leaves alone a set-up it finds (pytest's, a gunicorn
``logconfig_dict``); ``ContextFilter`` and ``JsonFormatter`` can be named in such a set-up too.

``ContextFilter`` puts on each record the fields ``bind`` set for the request or job (the request
id, the council's slug, the job's id and function) and, read live from ``core.context``, the
council's id and the acting user's id (an integer). A small Formatter rather than
python-json-logger: twenty lines, and the only field list that matters is ours.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
import json
import logging
import sys

from . import context

# The fields a request or job binds; each record carries all of them (None when not bound).
BOUND = ("request_id", "tenant", "job_id", "job")
_bound: ContextVar[dict] = ContextVar("log_fields", default={})
# LogRecord's own attributes: anything else on a record came through ``extra=`` and is emitted.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# RQ's own error line passes a job's arguments as extras: left out, as they may carry more than ids.
_LEFT_OUT = {"arguments", "kwargs", "args"}
_OURS = "_permanence_handler"
FORMATS = ("text", "json")


def bind(**fields):
    """Add ``fields`` to every record made in this context from now on; returns a token for
    ``unbind``."""
    return _bound.set({**_bound.get(), **fields})


def unbind(token) -> None:
    _bound.reset(token)


@contextmanager
def bound(**fields):
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the request's or job's ids; filters nothing out."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _bound.get()
        for name in BOUND:
            if not hasattr(record, name):
                setattr(record, name, fields.get(name))
        record.tenant_id = context.current_tenant_id()
        record.user_id = context.current_actor().user_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context's ids,
    whatever came through ``extra=``, and a traceback under ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((key, value) for key, value in vars(record).items()
                    if key not in _STANDARD and key not in _LEFT_OUT and not key.startswith("_"))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """basicConfig's line with the request id, council and user appended when there are any."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name}={getattr(record, name)}" for name in ("request_id", "job_id", "tenant", "tenant_id",
                                                                          "user_id")
                       if getattr(record, name, None) is not None)
        text = super().format(record)
        return f"{text} [{ids}]" if ids else text


def configure_logging(fmt: str = "text", level: str | int = "INFO", stream=None) -> logging.Handler | None:
    """Give the root logger one handler in ``fmt`` (``text`` or ``json``), replacing the one an
    earlier call installed; a handler installed by anyone else means the logging is theirs, and it
    is left alone (returns None)."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json, not {fmt[:20]!r}")
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, _OURS, False)]
    if len(ours) != len(root.handlers):
        return None
    for handler in ours:
        root.removeHandler(handler)
    handler = make_handler(fmt, stream or sys.stderr)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def make_handler(fmt: str, stream) -> logging.Handler:
    """A stream handler writing ``fmt`` lines with the context's ids."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    return handler
