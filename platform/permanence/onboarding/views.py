"""The council's teams: the one set-up step of the checklist with no page elsewhere. Thin: the
logic is ``services``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..accounts.permissions import require
from . import services

bp = Blueprint("onboarding", __name__, template_folder="templates")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired("Enter the team's name"), Length(max=200)])


@bp.route("/<tenant_slug>/admin/teams", methods=["GET", "POST"])
@require("users.manage")
def teams(tenant_slug):
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.add_team(form.name.data)
        except services.TeamError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"{team.name} is added. Choose it for the people in it on the users page.", "success")
            return redirect(url_for("onboarding.teams"))
    return render_template("onboarding/teams.html", form=form, teams=services.teams_with_people())
