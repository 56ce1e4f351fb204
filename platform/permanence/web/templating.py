"""What a template does with a name nobody passed it.

In tests and in development (``JINJA_STRICT_UNDEFINED``, on by default when ``TESTING`` or
``DEBUG``) an undefined name raises, so the page fails where it is written instead of quietly
rendering a blank. In production the page still renders for the user, and the name is logged
at ERROR with the page's address, so the defect is found in the logs without costing anyone a
500.
"""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, request
from jinja2 import StrictUndefined, Undefined

logger = logging.getLogger("permanence.templates")


class LoudUndefined(Undefined):
    """Renders as nothing, like Jinja's default, and logs every use at ERROR."""

    __slots__ = ()

    def _log(self) -> None:
        where = request.path if has_request_context() else "outside a request"
        logger.error("Template used an undefined name (%s) on %s", self._undefined_message, where)

    def _fail_with_undefined_error(self, *args, **kwargs):
        self._log()
        return super()._fail_with_undefined_error(*args, **kwargs)

    def __str__(self) -> str:
        self._log()
        return super().__str__()

    def __iter__(self):
        self._log()
        return super().__iter__()

    def __bool__(self) -> bool:
        self._log()
        return super().__bool__()

    def __len__(self) -> int:
        self._log()
        return super().__len__()


def configure_undefined(app: Flask) -> None:
    """Strict where a developer will see the error, loud in the log where a user would."""
    strict = app.config.get("JINJA_STRICT_UNDEFINED")
    if strict is None:
        strict = bool(app.config.get("TESTING") or app.debug)
        app.config["JINJA_STRICT_UNDEFINED"] = strict
    app.jinja_env.undefined = StrictUndefined if strict else LoudUndefined
