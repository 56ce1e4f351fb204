"""Signing in and out, passwords (set from a link, forgotten, changed), two-factor sign-in, choosing a
council and personal API tokens. The council's users page is ``users_views``, on the same blueprint."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..audit import services as audit
from ..core.context import Actor
from ..extensions import db, limiter
from . import services, two_factor
from .forms import (ChangePasswordForm, ForgottenPasswordForm, SignInForm, SignInCodeForm, TokenForm,
                    TwoFactorOffForm, TwoFactorOnForm)
from .models import ApiToken
from .passwords import MIN_PASSWORD_LENGTH
from .permissions import load_or_404, public, require, signed_in, visible

bp = Blueprint("accounts", __name__, template_folder="templates")

GENERIC_FAILURE = "The email address or password is not right. Check them and try again."


def end_revoked_session():
    """before_request, first: a session whose user loader refused it (signed out elsewhere, a new
    password, access removed: ``services.end_sessions``) is cleared, and the person told."""
    if "_user_id" not in session or current_user.is_authenticated:
        return
    session.clear()
    flash("You have been signed out. Sign in again to continue.")
    back = request.method == "GET" and request.endpoint != "accounts.sign_in"
    return redirect(url_for("accounts.sign_in", next=request.full_path if back else None))


def check_idle_session():
    """before_request: sign out a session idle for longer than PERMANENT_SESSION_LIFETIME."""
    if not current_user.is_authenticated or "seen" not in session:
        return
    idle_limit = current_app.permanent_session_lifetime.total_seconds()
    now = time.time()
    if now - session["seen"] > idle_limit:
        logout_user()
        session.clear()
        flash("You were signed out because you were inactive for too long. Sign in again.")
        return redirect(url_for("accounts.sign_in", next=request.full_path if request.method == "GET" else None))
    session["seen"] = now


# What an administrator who must set two-factor sign-in up can still reach (none is a council's page;
# the check runs only inside a council, but says so in one place).
_TWO_FACTOR_SETUP_ENDPOINTS = frozenset({"accounts.two_factor_sign_in", "accounts.sign_in_code", "accounts.sign_out",
                                         "static"})


def require_two_factor_setup():
    """before_request, after the membership is loaded: where the council requires it, an administrator
    without two-factor sign-in is sent to set it up (the API refuses their token) before anything else."""
    if request.endpoint in _TWO_FACTOR_SETUP_ENDPOINTS:
        return
    user = current_user if current_user.is_authenticated else None
    if not two_factor.required_of(g.get("tenant"), g.get("membership"), user):
        return
    if g.get("api_user") is not None:
        abort(403, description=two_factor.REQUIRED)
    flash(two_factor.REQUIRED)
    return redirect(url_for("accounts.two_factor_sign_in"))


def _sign_in_key():
    return f"{request.remote_addr}:{(request.form.get('email') or '').strip().lower()}"


def _failed(response) -> bool:
    """A sign-in that did not get in (the form again, 200): what the sign-in limits count, so an
    office of people signing in behind one address, or one person signing in and out, is not held
    up by successes."""
    return response.status_code == 200


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"], key_func=_sign_in_key,
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=get_remote_address, deduct_when=_failed)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            failed = True
            audit.record("sign_in_failed", entity_type="User", summary=f"Failed sign-in for {form.email.data[:200]}",
                         actor=Actor(None, form.email.data[:200], request.remote_addr))
        elif two_factor.is_on(user):
            session.clear()  # not signed in yet: only who passed the password step, for a few minutes
            session["code_for"] = user.get_id()
            session["code_since"] = time.time()
            return redirect(url_for("accounts.sign_in_code", next=_safe_next(request.args.get("next"))))
        else:
            return _start_session(user)
    return render_template("accounts/sign_in.html", form=form, failed=failed, failure=GENERIC_FAILURE)


def _start_session(user):
    session.clear()
    login_user(user)
    session.permanent = True
    session["seen"] = time.time()
    audit.record("sign_in", entity_type="User", entity_id=user.id, summary=f"{user.email} signed in",
                 actor=Actor(user.id, user.email, request.remote_addr))
    return redirect(_safe_next(request.args.get("next")) or url_for("accounts.choose_tenant"))


CODE_WAIT_SECONDS = 5 * 60


def _code_key():
    """The account waiting for its code, whatever the address: guesses at one account's code are
    limited wherever they come from."""
    return f"code:{session.get('code_for')}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_CODE_RATE_LIMIT"], methods=["POST"], key_func=_code_key)
@limiter.limit(lambda: current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=get_remote_address, deduct_when=_failed)
def sign_in_code():
    """The second step, for people who turned two-factor sign-in on."""
    user = services.user_for_session(session.get("code_for"))
    if user is None or time.time() - session.get("code_since", 0) > CODE_WAIT_SECONDS:
        session.pop("code_for", None)
        flash("Sign in again: the code must follow the password within 5 minutes.")
        return redirect(url_for("accounts.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        if two_factor.check_code(user, form.code.data):
            return _start_session(user)
        form.code.errors.append(two_factor.WRONG_CODE)
        audit.record("sign_in_failed", entity_type="User", entity_id=user.id,
                     summary=f"Wrong two-factor code for {user.email}",
                     actor=Actor(None, user.email, request.remote_addr))
    return render_template("accounts/sign_in_code.html", form=form)


@bp.post("/sign-out")
@public
def sign_out():
    if current_user.is_authenticated:
        services.sign_out(current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.get("/tenants")
@signed_in
def choose_tenant():
    if current_user.is_platform_admin and request.args.get("stay") is None:
        return redirect(url_for("councils.admin_tenants"))  # a member of no council: their home is the councils
    tenants = services.tenants_of(current_user)
    if len(tenants) == 1 and not current_user.is_platform_admin and request.args.get("stay") is None:
        return redirect(url_for("web.home", tenant_slug=tenants[0].slug))
    return render_template("accounts/choose_tenant.html", tenants=tenants)


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a password"), Length(max=200)])
    confirm = PasswordField("Confirm the password", validators=[DataRequired("Enter the password again"),
                                                                EqualTo("password", "The passwords do not match")])


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token):
    """The invitation's link: a new person chooses their password (7 days, once)."""
    return _password_page(token, services.INVITATION)


@bp.route("/account/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    """The link 'Forgotten your password?' sends (1 hour, once)."""
    return _password_page(token, services.RESET)


def _password_page(token: str, purpose: str):
    user = services.user_for_password_token(token, purpose)
    if user is None:
        return render_template("accounts/password_link_unusable.html", purpose=purpose), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            if current_user.is_authenticated and current_user.id == user.id:
                logout_user()  # their session here ended with the old password, like every other
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/set_password.html", form=form, user=user, min_length=MIN_PASSWORD_LENGTH,
                           reset=purpose == services.RESET)


def _reset_email_key():
    """The address a link is asked for, wherever from: one inbox gets a few links an hour at most."""
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


RESET_ANSWER = ("If there is an account for that address, we have sent it a link to set a new password. The "
                "link works once, within 1 hour. Check your e-mail, and its junk folder.")


@bp.route("/sign-in/forgotten-password", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"], key_func=_reset_email_key)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=get_remote_address)
def forgotten_password():
    """Ask for a link to set a new password. The answer is the same whether or not the address has
    an account (every request counts towards the limits, so they do not tell either)."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, remote_addr=request.remote_addr)
        return render_template("accounts/forgotten_password.html", form=form, answer=RESET_ANSWER)
    return render_template("accounts/forgotten_password.html", form=form, answer=None)


def stay_signed_in(user) -> None:
    """After ending a user's sessions for their own change, keep this one: it is re-issued with the
    new version, so only the other copies stop working."""
    login_user(user)
    session.permanent = True
    session["seen"] = time.time()


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            getattr(form, exc.field or "password").errors.append(str(exc))
        else:
            stay_signed_in(current_user)
            flash("Your password is changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("web.index"))
    return render_template("accounts/change_password.html", form=form, min_length=MIN_PASSWORD_LENGTH,
                           two_factor_on=two_factor.is_on(current_user))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
def two_factor_sign_in():
    """Turn two-factor sign-in on (scan, then a code to prove the app has it) or off (the password)."""
    on_form, off_form = TwoFactorOnForm(prefix="on"), TwoFactorOffForm(prefix="off")
    try:
        if two_factor.is_on(current_user) and off_form.validate_on_submit():
            two_factor.turn_off(current_user, off_form.password.data)
            stay_signed_in(current_user)
            flash("Two-factor sign-in is off. You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.two_factor_sign_in"))
        if not two_factor.is_on(current_user) and on_form.validate_on_submit():
            two_factor.turn_on(current_user, on_form.secret.data, on_form.code.data)
            stay_signed_in(current_user)
            flash("Two-factor sign-in is on. Each time you sign in you will be asked for a code from your app. "
                  "You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.two_factor_sign_in"))
    except services.AccountError as exc:
        form = off_form if two_factor.is_on(current_user) else on_form
        getattr(form, exc.field or "code").errors.append(str(exc))
    on = two_factor.is_on(current_user)
    if not on:  # the key the app may already hold, after a wrong code; else a new one
        on_form.secret.data = two_factor.usable_secret(on_form.secret.data) or two_factor.new_secret()
    return render_template("accounts/two_factor.html", on=on, on_form=on_form, off_form=off_form,
                           secret=on_form.secret.data,
                           qr=None if on else two_factor.qr_svg(two_factor.setup_uri(current_user, on_form.secret.data)))


# --- personal API tokens ------------------------------------------------------------------------

@bp.route("/<tenant_slug>/account/tokens", methods=["GET", "POST"])
@require("api_tokens.manage")
def tokens(tenant_slug):
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _, secret = services.create_api_token(current_user, form.name.data)
        except services.AccountError as exc:
            form.name.errors.append(str(exc))
    mine = db.session.execute(
        visible(select(ApiToken), ApiToken).order_by(ApiToken.created_at.desc())
    ).scalars().all()
    return render_template("accounts/tokens.html", form=TokenForm(formdata=None), tokens=mine, secret=secret,
                           errors_form=form)


@bp.post("/<tenant_slug>/account/tokens/<int:api_token_id>/revoke")
@require("api_tokens.manage")
def revoke_token(tenant_slug, api_token_id):
    token = load_or_404(ApiToken, api_token_id)
    services.revoke_api_token(token)
    flash(f"The token '{token.name}' is revoked.", "success")
    return redirect(url_for("accounts.tokens"))
