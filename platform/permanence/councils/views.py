"""Central administration: the platform admin onboards councils and watches the periodic jobs.
No child's record is reachable from here."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..accounts import grants, services as accounts
from ..accounts.forms import MultiCheckboxField
from ..accounts.models import GrantStatus
from ..accounts.permissions import platform_admin
from ..accounts.services import AccountError
from ..core import schedule
from ..core.clock import london_today
from ..core.db import get_or_404
from ..onboarding.services import central_checklist, panel_running_roles
from ..tenancy import services
from ..tenancy.models import Tenant, TenantStatus
from ..tor.services import current_tor, list_versions
from .services import council_activity, job_health

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
    tenants = services.list_tenants()
    return render_template("councils/tenants.html", tenants=tenants, form=form, checklists=_checklists(tenants),
                           activity=council_activity(tenants), health=job_health())


@bp.route("/admin/tenants/<int:tenant_id>", methods=["GET", "POST"])
@platform_admin
def admin_tenant(tenant_id):
    tenant = get_or_404(Tenant, tenant_id)
    form = InviteWithRolesForm()
    form.roles.choices = panel_running_roles(tenant.id)
    if form.validate_on_submit():
        try:
            _invite(tenant, form)
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            return redirect(url_for("councils.admin_tenant", tenant_id=tenant.id))
    return render_template("councils/tenant.html", tenant=tenant, form=form, admins=accounts.tenant_admins(tenant),
                           statuses=TenantStatus, tor_versions=list_versions(tenant.id), tor=current_tor(tenant.id),
                           checklist=central_checklist(tenant.id, london_today()))


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


# --- Onboarding: the checklist and the roles offered with an invitation -----------------------------

class InviteWithRolesForm(InviteForm):
    # Choices: the roles the council's terms of reference name for running its panels (set per request).
    roles = MultiCheckboxField("Roles for running the panel", choices=[], invalid_choice_message=(
        "Choose only roles the terms of reference name for running the panel"))


def _checklists(tenants) -> dict:
    today = london_today()
    return {tenant.id: central_checklist(tenant.id, today) for tenant in tenants}


def _invite(tenant, form):
    """Invite the administrator, then give them the roles ticked (``grants.grant_with_invitation``
    decides whether they take effect now or wait for the council's administrators); say which."""
    user = accounts.invite_tenant_admin(tenant, form.email.data, form.name.data)
    grant = grants.grant_with_invitation(tenant, user, form.roles.data or [], by=current_user._get_current_object())
    flash(f"An invitation is on its way to {user.email}.", "success")
    if grant is not None and grant.status == GrantStatus.CONFIRMED:
        flash(f"{user.name} also has these roles now: {grants.role_names(grant.roles)}.", "success")
    elif grant is not None:
        flash(f"{grants.role_names(grant.roles)} for {user.name} wait for an administrator of {tenant.name} to "
              "confirm them.")
    return user


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
