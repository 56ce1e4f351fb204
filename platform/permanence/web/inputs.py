"""Input no page or API call can choke on, refused at the door with the field named.

PostgreSQL cannot store a NUL character in text and errors on it, so a NUL anywhere in the
address, the query, a form, a file name or a JSON body is refused before any view runs: 400 on a
page, 422 on the API, saying which field. Numbers too big for the database's INTEGER columns are
stopped by ``core.db.IdConverter`` (routes) and ``core.schemas.Int`` (the API); a value the
database still refuses is answered as bad input (``refuse_unstorable``) rather than a fault.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import abort, request
from werkzeug.exceptions import UnprocessableEntity

from ..api.auth import is_api_request

log = logging.getLogger(__name__)
NUL = "\x00"
MAX_DEPTH = 64


def _in_json(value, path: str, depth: int = 0) -> str | None:
    if depth > MAX_DEPTH:
        return path or "the body"
    if isinstance(value, str):
        return path or "the body" if NUL in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = _in_json(item, here, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _in_json(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return None


def _field_with_nul() -> str | None:
    if NUL in request.path:
        return "the web address"
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if NUL in key or NUL in value:
                return key.replace(NUL, "")
    for key, upload in request.files.items(multi=True):
        if upload.filename and NUL in upload.filename:
            return key
    if request.is_json:
        return _in_json(request.get_json(silent=True), "")
    return None


def _refuse(message: str, field: str | None = None):
    """400 on a page (the error page says ``message``); 422 on the API, in its error format."""
    if not is_api_request():
        abort(400, description=message)
    error = UnprocessableEntity(description=message)
    error.data = {"message": message, **({"errors": {"json": {field: [message]}}} if field else {})}
    raise error


def refuse_nul_characters():
    """before_request, first of all: a NUL character anywhere in the request is bad input."""
    field = _field_with_nul()
    if field is not None:
        _refuse(f"'{field}' contains a NUL character (\\x00), which cannot be stored. Remove it and try again.",
                field)


def refuse_unstorable(error):
    """A value the database refused (out of range, not text): the request's fault, not ours."""
    log.warning("database refused a value for %s %s: %s", request.method, request.path, error)
    _refuse("A value you sent is too large or not allowed here. Check the numbers and text and try again.")
