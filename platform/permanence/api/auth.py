"""API authentication: a personal token, only. Session cookies are not accepted on the API,
so no API call can be forged from a browser."""

from __future__ import annotations

from flask import abort, g, request

from ..accounts.services import user_for_token


def authenticate_api_token():
    """before_request, after the tenant resolver: the bearer token's user, for API routes."""
    from ..web import is_api_request

    if g.get("tenant") is None or not is_api_request():
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(401, description="Send a valid personal API token for this council as 'Authorization: Bearer <token>'")
    g.api_user = user
    g._login_user = user  # Flask-Login's per-request user, without touching the session cookie
