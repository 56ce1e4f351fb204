"""API authentication: a personal token, only. Session cookies are not accepted on the API,
so no API call can be forged from a browser."""

from __future__ import annotations

from flask import abort, g, request

from ..accounts.services import user_for_token
from ..core import provenance


def is_api_request() -> bool:
    """An address under ``/api/`` or a council's ``/<slug>/api/``: answered in JSON, token only."""
    slug = (request.view_args or {}).get("tenant_slug")
    return request.path.startswith("/api/") or (slug is not None and request.path.startswith(f"/{slug}/api/"))


def authenticate_api_token():
    """before_request, after the tenant resolver: the bearer token's user, for API routes."""
    if g.get("tenant") is None or not is_api_request():
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(401, description="Send a valid personal API token for this council as 'Authorization: Bearer <token>'")
    g.api_user = user
    provenance.write_as_for_request(provenance.API, f"{user.name}'s token"[:100])
    g._login_user = user  # Flask-Login's per-request user, without touching the session cookie
