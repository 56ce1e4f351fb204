"""The start page, each council's home page, the health checks and the metrics."""

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import public, require
from ..core import health as probes
from ..core import metrics
from ..core.clock import london_today
from .services import home_sections

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    if current_user.is_platform_admin:
        return redirect(url_for("councils.admin_tenants"))  # the central administrator's home
    return redirect(url_for("accounts.choose_tenant"))


@bp.get("/health")
@public
def health():
    """Liveness: the process answers. Touches nothing else, so a slow database restarts nothing."""
    return {"status": "ok"}


@bp.get("/health/ready")
@public
def ready():
    """Readiness (core.health): 200 when the database, its schema and Redis are fit, else 503 naming
    each failed check. Public for load balancers and probes; reads no council's rows."""
    checks = probes.readiness()
    fit = all(check.ok for check in checks)
    body = {"status": "ready" if fit else "not ready",
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks}}
    return body, 200 if fit else 503


@bp.get("/metrics")
@public
def prometheus_metrics():
    """Prometheus's scrape (core.metrics), for the allowed networks or the bearer token only; anyone
    else finds no such page."""
    if not metrics.scrape_allowed(request.remote_addr, request.headers.get("Authorization"),
                                  current_app.config["METRICS_ALLOWED_NETWORKS"], current_app.config["METRICS_TOKEN"]):
        abort(404)
    body, content_type = metrics.exposition()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


@bp.get("/<tenant_slug>/")
@require("home.view")
def home(tenant_slug):
    return render_template("web/home.html", sections=home_sections(g.membership, current_user, london_today()))

