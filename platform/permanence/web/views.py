"""The start page, each council's home page and a health check."""

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.permissions import public, require
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
    return {"status": "ok"}


@bp.get("/<tenant_slug>/")
@require("home.view")
def home(tenant_slug):
    return render_template("web/home.html", sections=home_sections(g.membership, current_user, london_today()))

