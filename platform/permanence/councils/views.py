"""Central administration: the platform admin onboards councils and watches the periodic jobs.
No child's record is reachable from here."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..accounts import services as accounts
from ..accounts.permissions import platform_admin
from ..accounts.services import AccountError
from ..core import schedule
from ..core.db import get_or_404
from ..tenancy import services
from ..tenancy.models import Tenant, TenantStatus
from ..tor.services import list_versions

bp = Blueprint("councils", __name__, template_folder="templates")


class TenantForm(FlaskForm):
    name = StringField("Council name", validators=[DataRequired("Enter the council's name"), Length(max=200)])
    slug = StringField("Web address", validators=[DataRequired("Enter the web address"), Length(max=63)])


class InviteForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter the administrator's email address"),
                                                    Email("Enter an email address like name@example.org")])
    name = StringField("Full name", validators=[DataRequired("Enter the administrator's name"), Length(max=200)])


@bp.route("/admin/tenants", methods=["GET", "POST"])
@platform_admin
def admin_tenants():
    form = TenantForm()
    if form.validate_on_submit():
        try:
            tenant = services.create_tenant(form.slug.data.strip().lower(), form.name.data,
                                            status=TenantStatus.DRAFT)
        except services.TenantError as exc:
            form.slug.errors.append(str(exc))
        else:
            flash(f"{tenant.name} is created as a draft. Invite its first administrator, then open it.", "success")
            return redirect(url_for("councils.admin_tenant", tenant_id=tenant.id))
    return render_template("councils/tenants.html", tenants=services.list_tenants(), form=form)


@bp.route("/admin/tenants/<int:tenant_id>", methods=["GET", "POST"])
@platform_admin
def admin_tenant(tenant_id):
    tenant = get_or_404(Tenant, tenant_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_tenant_admin(tenant, form.email.data, form.name.data)
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            flash(f"An invitation is on its way to {user.email}.", "success")
            return redirect(url_for("councils.admin_tenant", tenant_id=tenant.id))
    return render_template("councils/tenant.html", tenant=tenant, form=form, admins=accounts.tenant_admins(tenant),
                           statuses=TenantStatus, tor_versions=list_versions(tenant.id))


@bp.post("/admin/tenants/<int:tenant_id>/status/<status>")
@platform_admin
def set_status(tenant_id, status):
    tenant = get_or_404(Tenant, tenant_id)
    try:
        new_status = TenantStatus(status)
    except ValueError:
        flash(f"'{status}' is not a status; statuses: {', '.join(s.value for s in TenantStatus)}")
    else:
        services.set_tenant_status(tenant, new_status)
        flash(f"{tenant.name} is now {new_status.value}.", "success")
    return redirect(url_for("councils.admin_tenant", tenant_id=tenant.id))


@bp.get("/admin/jobs")
@platform_admin
def admin_jobs():
    """Each periodic job: what it does, when it runs, its last run (who started it, how long it
    took, councils done and failed, the last error) and its next run."""
    statuses = schedule.job_statuses()
    council_ids = {s.last.last_error_council for s in statuses if s.last and s.last.last_error_council}
    councils = {t.id: t.name for t in services.list_tenants() if t.id in council_ids}
    return render_template("councils/jobs.html", statuses=statuses, councils=councils)


@bp.post("/admin/jobs/<name>/run")
@platform_admin
def run_job_now(name):
    try:
        count = schedule.run_now(name, claimed_by=f"run now by {current_user.name}")
    except KeyError:
        abort(404)
    flash(f"{name} is started for {count} open council{'' if count == 1 else 's'}.", "success")
    return redirect(url_for("councils.admin_jobs"))
