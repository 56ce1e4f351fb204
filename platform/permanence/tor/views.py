"""The terms of reference, read back as a document; its versions; proposing and activating one.

Council pages live under ``/<tenant_slug>/terms-of-reference``; onboarding pages for the
central administrator under ``/admin/tenants/...``. Views only translate between HTTP and
``services``.
"""

from __future__ import annotations


from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.permissions import platform_admin, require
from ..core.clock import london_today
from ..core.context import tenant_context
from ..core.db import get_or_404
from ..core.registry import register_nav
from ..core.schedule import register_periodic
from ..core.workdays import bank_holiday_name
from ..tenancy.models import Tenant, TenantStatus
from ..tenancy.services import TenantError
from . import TorConfigError, explain, role_label, services, wording
from .forms import NewTenantFromTorForm, TorUploadForm
from .jobs import send_tor_review_reminders_job
from .versions import TorVersion, TorVersionStatus
from .vocabulary import EVENT_DEFINITIONS, FACTS

bp = Blueprint("tor", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    # The facts and events a rule may use, with where each comes from, for the page a ToR is written on.
    return {"explain": explain, "w": wording, "bank_holiday_name": bank_holiday_name,
            "tor_role_label": lambda tor: lambda role_id: role_label(tor, role_id),
            "TorVersionStatus": TorVersionStatus, "vocabulary_facts": tuple(FACTS.values()),
            "vocabulary_events": tuple(EVENT_DEFINITIONS.values())}


def _store(tenant_id: int, form: TorUploadForm, *, activate: bool = False):
    """Store the form's text as a version; returns (result, errors, source lines)."""
    text, filename = form.source()
    try:
        result = services.store_version(tenant_id, text, filename=filename, loaded_by=current_user.email,
                                        loaded_by_user_id=current_user.id, note=form.note.data or "",
                                        activate=activate, safe_mode=current_app.config["SAFE_MODE"])
    except TorConfigError as exc:
        return None, exc.errors, text.splitlines()
    return result, [], []


# --- The council's own pages ---------------------------------------------------------------------

@bp.get("/<tenant_slug>/terms-of-reference")
@require("tor.view")
def document(tenant_slug):
    version = services.active_version(g.tenant.id)
    tor = services.tor_of(version) if version else None
    today = london_today()
    return render_template("tor/document.html", tor=tor, version=version, today=today,
                           schedule=services.upcoming(tor, today) if tor else {},
                           review=services.review_status(tor, today), admin=False,
                           plugin_notes=services.plugin_descriptions(tor, safe_mode=current_app.config["SAFE_MODE"]))


@bp.get("/<tenant_slug>/terms-of-reference/versions")
@require("tor.view")
def versions(tenant_slug):
    return render_template("tor/versions.html", versions=services.list_versions(g.tenant.id))


@bp.get("/<tenant_slug>/terms-of-reference/versions/<int:tor_version_id>")
@require("tor.view")
def version(tenant_slug, tor_version_id):
    row = get_or_404(TorVersion, tor_version_id)
    return render_template("tor/version.html", **_version_context(row), admin=False)


@bp.route("/<tenant_slug>/terms-of-reference/propose", methods=["GET", "POST"])
@require("tor.propose")
def propose(tenant_slug):
    form = TorUploadForm()
    errors, lines = [], []
    if form.validate_on_submit():
        result, errors, lines = _store(g.tenant.id, form)
        if result is not None:
            _say_stored(result)
            return redirect(url_for("tor.version", tor_version_id=result.version.id))
    return render_template("tor/upload.html", form=form, errors=errors, lines=lines,
                           title="Propose a new version of the terms of reference",
                           cancel_url=url_for("tor.document"))


@bp.post("/<tenant_slug>/terms-of-reference/versions/<int:tor_version_id>/activate")
@require("tor.propose")
def activate(tenant_slug, tor_version_id):
    row = get_or_404(TorVersion, tor_version_id)
    if row.status != TorVersionStatus.PROPOSED:
        flash(f"Version {row.number} is {row.status.value}; only a proposed version can be activated.")
        return redirect(url_for("tor.version", tor_version_id=row.id))
    services.activate_version(row)
    flash(f"Version {row.number} is now the terms of reference in force.", "success")
    return redirect(url_for("tor.document"))


def _version_context(row: TorVersion) -> dict:
    previous = services.previous_version(row)
    tor = services.tor_of(row)
    today = london_today()
    return {"version": row, "previous": previous, "diff": services.diff_versions(previous, row), "tor": tor,
            "schedule": services.upcoming(tor, today), "missing_plugins": services.missing_plugins(tor),
            "today": today}


# --- Central administration: onboarding ------------------------------------------------------------

@bp.route("/admin/tenants/new-from-terms-of-reference", methods=["GET", "POST"])
@platform_admin
def admin_new_tenant():
    form = NewTenantFromTorForm()
    errors, lines = [], []
    if form.validate_on_submit():
        text, filename = form.source()
        try:
            tenant, result = services.create_tenant_from_tor(
                form.slug.data.strip().lower(), text, filename=filename, loaded_by=current_user.email,
                loaded_by_user_id=current_user.id, safe_mode=current_app.config["SAFE_MODE"])
        except TorConfigError as exc:
            errors, lines = exc.errors, text.splitlines()
        except TenantError as exc:
            form.slug.errors = [*form.slug.errors, str(exc)]
        else:
            flash(f"{tenant.name} is created as a draft with version 1 of its terms of reference. "
                  "Check the preview, then activate it.", "success")
            return redirect(url_for("tor.admin_version", tenant_id=tenant.id, tor_version_id=result.version.id))
    return render_template("tor/upload.html", form=form, errors=errors, lines=lines,
                           title="Onboard a council from its terms of reference",
                           cancel_url=url_for("councils.admin_tenants"))


@bp.route("/admin/tenants/<int:tenant_id>/terms-of-reference", methods=["GET", "POST"])
@platform_admin
def admin_upload(tenant_id):
    tenant = get_or_404(Tenant, tenant_id)
    form = TorUploadForm()
    errors, lines = [], []
    if form.validate_on_submit():
        result, errors, lines = _store(tenant.id, form)
        if result is not None:
            _say_stored(result)
            return redirect(url_for("tor.admin_version", tenant_id=tenant.id, tor_version_id=result.version.id))
    return render_template("tor/upload.html", form=form, errors=errors, lines=lines, tenant=tenant,
                           title=f"Load the terms of reference of {tenant.name}",
                           cancel_url=url_for("councils.admin_tenant", tenant_id=tenant.id))


@bp.get("/admin/tenants/<int:tenant_id>/terms-of-reference/in-force")
@platform_admin
def admin_document(tenant_id):
    """The council's terms of reference in force, rendered as its members read them, so the central
    administrator can check an onboarding: the document holds the council's rules, no child's data."""
    tenant = get_or_404(Tenant, tenant_id)
    today = london_today()
    with tenant_context(tenant.id):
        version = services.active_version(tenant.id)
        tor = services.tor_of(version) if version else None
        schedule = services.upcoming(tor, today) if tor else {}
        plugin_notes = services.plugin_descriptions(tor, safe_mode=current_app.config["SAFE_MODE"])
    return render_template("tor/document.html", tor=tor, version=version, today=today, schedule=schedule,
                           review=services.review_status(tor, today), admin=True, tenant=tenant,
                           plugin_notes=plugin_notes)


@bp.get("/admin/tenants/<int:tenant_id>/terms-of-reference/versions/<int:tor_version_id>")
@platform_admin
def admin_version(tenant_id, tor_version_id):
    tenant = get_or_404(Tenant, tenant_id)
    with tenant_context(tenant.id):
        row = get_or_404(TorVersion, tor_version_id)
        context = _version_context(row)
    return render_template("tor/version.html", **context, admin=True, tenant=tenant)


@bp.post("/admin/tenants/<int:tenant_id>/terms-of-reference/versions/<int:tor_version_id>/activate")
@platform_admin
def admin_activate(tenant_id, tor_version_id):
    tenant = get_or_404(Tenant, tenant_id)
    with tenant_context(tenant.id):
        row = get_or_404(TorVersion, tor_version_id)
        if row.status != TorVersionStatus.PROPOSED:
            flash(f"Version {row.number} is {row.status.value}; only a proposed version can be activated.")
            return redirect(url_for("tor.admin_version", tenant_id=tenant.id, tor_version_id=row.id))
        opening = tenant.status != TenantStatus.ACTIVE
        services.activate_and_open(tenant, row)
    flash(f"Version {row.number} is in force" + (f" and {tenant.name} is open to its users." if opening else "."),
          "success")
    return redirect(url_for("councils.admin_tenant", tenant_id=tenant.id))


def _role_label_filter(role_id: str) -> str:
    """Template filter: a ToR role id as this council's terms of reference name it."""
    return role_label(services.current_tor(g.tenant.id) if g.get("tenant") is not None else None, role_id)


def init_app(app):
    """Wire the terms of reference pages, navigation and the review reminder (kept out of the pure
    ``permanence.tor`` package so the engine imports without Flask)."""
    app.register_blueprint(bp)
    app.add_template_filter(_role_label_filter, "role_label")
    register_nav("Terms of reference", "tor.document", "tor.view", order=80)
    register_periodic("tor-review-reminders", send_tor_review_reminders_job, "0 7 * * 1",
                      description="Reminds a council's administrators when its terms of reference are due for review.")


def _say_stored(result) -> None:
    if result.created:
        flash(f"Version {result.version.number} is valid and stored as a proposal. "
              "Check the preview, then activate it.", "success")
    else:
        flash(f"This text is already version {result.version.number}; nothing new was stored.")
