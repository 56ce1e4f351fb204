"""The JSON API under ``/<tenant-slug>/api/v1/``: flask-smorest blueprints from each feature,
authenticated with personal API tokens, OpenAPI served at ``/api/openapi.json``.

A feature adds its blueprint with ``core.registry.register_api(blp, "/prefix")`` from its
``init_app``; ``init_app`` here mounts them all once every feature has had its say.
"""

from __future__ import annotations

from ..accounts.permissions import public_endpoint
from ..core.registry import api_blueprints, register_api
from ..extensions import api, csrf
from .tokens import blp as me_blp

API_PREFIX = "/<tenant_slug>/api/v1"


def init_app(app):
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    register_api(me_blp, "/me")
    for blp, prefix in api_blueprints():
        api.register_blueprint(blp, url_prefix=API_PREFIX + prefix)
        csrf.exempt(blp)
    for endpoint in list(app.view_functions):
        if endpoint.startswith("api-docs."):
            public_endpoint(endpoint)
