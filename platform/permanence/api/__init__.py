"""The JSON API under ``/<tenant-slug>/api/v1/``: flask-smorest blueprints from each feature,
authenticated with personal API tokens, OpenAPI served at ``/api/openapi.json``.

A feature adds its blueprint with ``register_api(blp, "/prefix")`` from its ``init_app``;
``init_app`` here mounts them all once every feature has had its say.
"""

from __future__ import annotations

API_PREFIX = "/<tenant_slug>/api/v1"
_blueprints: list[tuple[object, str]] = []


def register_api(blp, prefix: str = "") -> None:
    """Mount ``blp`` under ``/<tenant_slug>/api/v1<prefix>`` (token auth, no CSRF)."""
    if all(existing is not blp for existing, _ in _blueprints):
        _blueprints.append((blp, prefix))


def init_app(app):
    from ..accounts.permissions import public_endpoint
    from ..extensions import api, csrf
    from ..cases.api import blp as children_blp
    from ..documents.api import blp as papers_blp
    from ..tracker.api import blp as tracker_blp
    from .tokens import blp as me_blp

    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blp, prefix in ((children_blp, "/children"), (me_blp, "/me"), (papers_blp, "/papers"), (tracker_blp, "")):
        register_api(blp, prefix)
    for blp, prefix in _blueprints:
        api.register_blueprint(blp, url_prefix=API_PREFIX + prefix)
        csrf.exempt(blp)
    for endpoint in list(app.view_functions):
        if endpoint.startswith("api-docs."):
            public_endpoint(endpoint)
