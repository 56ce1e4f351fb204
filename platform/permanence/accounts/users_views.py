"""The council's users page: adding people (with an invitation), their roles and the roles waiting
for a second administrator, deactivating and reactivating, invitations sent again, two-factor sign-in
required of administrators, and adding many people from a CSV file. Routes of the ``accounts``
blueprint (``views.bp``)."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.db import get_or_404
from ..extensions import db
from . import grants, people_import, services, two_factor
from .forms import MemberForm, PeopleImportForm
from .models import Membership, RoleGrant, Team
from .permissions import require
from .roles import ROLES
from .views import bp, stay_signed_in


def _team_choices():
    teams = db.session.execute(select(Team).order_by(Team.name)).scalars()
    return [(0, "No team")] + [(t.id, t.name) for t in teams]


@bp.get("/<tenant_slug>/admin/users")
@require("users.manage")
def users(tenant_slug):
    memberships = db.session.execute(
        select(Membership).join(Membership.user).order_by(Membership.active.desc(), Membership.user_id)
    ).scalars().all()
    pending = grants.pending_grants()
    return render_template("accounts/users.html", memberships=memberships, role_names=ROLES, pending=pending,
                           waiting={grant.membership_id: grant for grant in pending})


def _waiting_message(user, grant) -> str:
    return (f"{grants.role_names(grant.roles)} for {user.name} must be confirmed by another administrator of "
            f"{g.tenant.name}. Until then these roles do not take effect.")


@bp.route("/<tenant_slug>/admin/users/new", methods=["GET", "POST"])
@require("users.manage")
def add_user(tenant_slug):
    form = MemberForm()
    form.team.choices = _team_choices()
    if form.validate_on_submit():
        try:
            user = services.find_user(form.email.data) or services.create_user(form.email.data, form.name.data)
            before = services.membership_in_council(user)
            had_access = before is not None and before.active
            team = db.session.get(Team, form.team.data) if form.team.data else None
            _, grant = grants.change_roles(user, form.roles.data, by=current_user._get_current_object(),
                                           team=team, job_title=form.job_title.data or None)
        except services.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            if user.password_hash is None:
                services.send_invitation(user, g.tenant)
                flash(f"{user.name} is added. An invitation to set a password is on its way to {user.email}; "
                      "its link works for 7 days.", "success")
            elif not had_access:
                services.send_access_notice(user, g.tenant)
                flash(f"{user.name} already has a Permanence account, so they sign in with their own password. "
                      f"We have e-mailed {user.email} to say they can now use {g.tenant.name}.", "success")
            else:
                flash(f"{user.name} already had access to {g.tenant.name}: their roles are saved.", "success")
            if grant is not None:
                flash(_waiting_message(user, grant))
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, membership=None, grant=None, role_names=ROLES)


@bp.route("/<tenant_slug>/admin/users/<int:membership_id>", methods=["GET", "POST"])
@require("users.manage")
def edit_user(tenant_slug, membership_id):
    membership = get_or_404(Membership, membership_id)
    waiting = grants.pending_grant(membership)
    form = MemberForm(obj=None if request.method == "POST" else membership.user)
    form.team.choices = _team_choices()
    if request.method == "GET":
        form.job_title.data = membership.job_title
        form.team.data = membership.team_id or 0
        # One's own pending roles are for others to decide: ticking them would be asking for them.
        asked = waiting.roles if waiting and membership.user_id != current_user.id else ()
        form.roles.data = sorted(membership.roles | set(asked))
    form.email.data = membership.user.email
    if form.validate_on_submit():
        try:
            team = db.session.get(Team, form.team.data) if form.team.data else None
            _, grant = grants.change_roles(membership.user, form.roles.data,
                                           by=current_user._get_current_object(), team=team,
                                           job_title=form.job_title.data or None)
        except services.AccountError as exc:
            getattr(form, exc.field or "roles").errors.append(str(exc))
        else:
            if membership.user_id == current_user.id:
                stay_signed_in(current_user)  # removing one of your own roles need not sign you out
            flash(f"{membership.user.name}'s roles are saved.", "success")
            if grant is not None:
                flash(_waiting_message(membership.user, grant))
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, membership=membership, grant=waiting,
                           role_names=ROLES)


@bp.post("/<tenant_slug>/admin/users/role-grants/<int:role_grant_id>/confirm")
@require("users.manage")
def confirm_role_grant(tenant_slug, role_grant_id):
    grant = get_or_404(RoleGrant, role_grant_id)
    try:
        membership = grants.confirm_grant(grant, by=current_user._get_current_object())
    except services.AccountError as exc:
        flash(str(exc))
    else:
        flash(f"{grants.role_names(grant.roles)} confirmed for {membership.user.name}.", "success")
    return redirect(url_for("accounts.users"))


@bp.post("/<tenant_slug>/admin/users/role-grants/<int:role_grant_id>/refuse")
@require("users.manage")
def refuse_role_grant(tenant_slug, role_grant_id):
    grant = get_or_404(RoleGrant, role_grant_id)
    try:
        grants.refuse_grant(grant, by=current_user._get_current_object())
    except services.AccountError as exc:
        flash(str(exc))
    else:
        flash(f"{grants.role_names(grant.roles)} refused for {grant.membership.user.name}: nothing was changed.",
              "success")
    return redirect(url_for("accounts.users"))


@bp.post("/<tenant_slug>/admin/users/two-factor")
@require("users.manage")
def require_two_factor(tenant_slug):
    """The council's switch: administrators must use two-factor sign-in, or need not."""
    required = request.form.get("required") == "yes"
    two_factor.set_required_for_administrators(g.tenant, required)
    if required:
        flash(f"Administrators of {g.tenant.name} must now use two-factor sign-in.", "success")
    else:
        flash(f"Administrators of {g.tenant.name} no longer have to use two-factor sign-in.", "success")
    return redirect(url_for("accounts.users"))


@bp.post("/<tenant_slug>/admin/users/<int:membership_id>/deactivate")
@require("users.manage")
def deactivate_user(tenant_slug, membership_id):
    membership = get_or_404(Membership, membership_id)
    if membership.user_id == current_user.id:
        flash("You cannot remove your own access.")
    else:
        services.deactivate_membership(membership)
        flash(f"{membership.user.name} can no longer use Permanence in {g.tenant.name}.", "success")
    return redirect(url_for("accounts.users"))


@bp.post("/<tenant_slug>/admin/users/<int:membership_id>/reactivate")
@require("users.manage")
def reactivate_user(tenant_slug, membership_id):
    """Access again, as a grant: roles that read children wait for a second administrator."""
    membership = get_or_404(Membership, membership_id)
    try:
        _, grant = grants.reactivate(membership, by=current_user._get_current_object())
    except services.AccountError as exc:
        flash(str(exc))
        return redirect(url_for("accounts.users"))
    flash(f"{membership.user.name} has access to {g.tenant.name} again.", "success")
    if grant is not None:
        flash(_waiting_message(membership.user, grant))
    return redirect(url_for("accounts.users"))


@bp.post("/<tenant_slug>/admin/users/<int:membership_id>/invitation")
@require("users.manage")
def resend_invitation(tenant_slug, membership_id):
    """A new invitation for someone who has not set a password yet (the old link still works until
    it expires or a password is set)."""
    membership = get_or_404(Membership, membership_id)
    user = membership.user
    if user.password_hash is not None:
        flash(f"{user.name} has already set a password. If they have forgotten it, they can choose "
              "'Forgotten your password?' on the sign-in page.")
    elif not membership.active:
        flash(f"{user.name} has no access to {g.tenant.name}. Give them access again first.")
    else:
        services.send_invitation(user, g.tenant)
        flash(f"A new invitation to set a password is on its way to {user.email}; its link works for 7 days.",
              "success")
    return redirect(url_for("accounts.users"))


@bp.route("/<tenant_slug>/admin/users/import", methods=["GET", "POST"])
@require("users.manage")
def import_users(tenant_slug):
    """Add many people from a CSV file: every bad row reported, and nothing written unless none is."""
    form = PeopleImportForm()
    problems = []
    if form.validate_on_submit():
        upload = form.people.data
        data = upload.read(people_import.MAX_FILE_BYTES + 1)
        try:
            done = people_import.import_people(data, by=current_user._get_current_object(), tenant=g.tenant,
                                               filename=upload.filename or "the file")
        except people_import.PeopleImportError as exc:
            db.session.rollback()  # all or nothing: a row refused while writing leaves none of the others
            problems = exc.problems
        else:
            flash(_imported_message(done), "success")
            if done.waiting:
                flash(f"Roles for {len(done.waiting)} of them read children's records or confirm roles that do, "
                      "so they wait below for another administrator to confirm them.")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/import_users.html", form=form, problems=problems,
                           max_people=people_import.MAX_PEOPLE, max_kb=people_import.MAX_FILE_BYTES // 1024,
                           role_names=ROLES)


def _imported_message(done) -> str:
    said = [f"{len(done.invited) + len(done.told)} people imported."]
    if done.invited:
        said.append(f"An invitation to set a password is on its way to each of the {len(done.invited)} "
                    "who had no account.")
    if done.told:
        said.append(f"{len(done.told)} already had an account and have been told they can now use "
                    f"{g.tenant.name}.")
    if done.new_teams:
        said.append(f"New teams: {', '.join(done.new_teams)}.")
    return " ".join(said)


@bp.get("/<tenant_slug>/admin/users/import/people.csv")
@require("users.manage")
def import_template(tenant_slug):
    """The CSV file to fill in, with example rows."""
    return Response(people_import.TEMPLATE, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=people.csv"})
