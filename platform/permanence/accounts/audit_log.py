"""The tenant administrator's audit log: filter and export."""

from __future__ import annotations


from flask import Blueprint, Response, g, render_template, request
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..audit import services
from ..core.clock import london_today
from ..extensions import db
from .permissions import require

bp = Blueprint("audit", __name__, template_folder="templates")
PAGE_SIZE = 100
ACTIONS = ["", "read", "create", "update", "delete", "sign_in", "sign_in_failed", "sign_out", "export", "download"]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField("Action", choices=[(a, a.replace("_", " ") or "Any") for a in ACTIONS],
                         validators=[Optional()])
    entity_type = StringField("Record type",
                              description="For example Child, AgendaItem or Minutes.",
                              validators=[Optional(), Length(max=60)])
    entity_id = StringField("Record id",
                            description="The record's number, as in its page's address.",
                            validators=[Optional(), Length(max=40)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


def _filtered(form):
    return services.events_query(
        action=form.action.data or None, entity_type=(form.entity_type.data or "").strip() or None,
        entity_id=(form.entity_id.data or "").strip() or None, since=form.since.data, until=form.until.data,
    )


@bp.get("/<tenant_slug>/admin/audit")
@require("audit.view")
def log(tenant_slug):
    form = AuditFilterForm(request.args)
    events = []
    if form.validate():
        events = db.session.execute(_filtered(form).limit(PAGE_SIZE)).scalars().all()
    return render_template("audit/log.html", form=form, events=events, page_size=PAGE_SIZE)


@bp.get("/<tenant_slug>/admin/audit.csv")
@require("audit.view")
def export(tenant_slug):
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("audit/log.html", form=form, events=[], page_size=PAGE_SIZE), 400
    events = db.session.execute(_filtered(form)).scalars().all()
    services.record("export", entity_type="AuditEvent", summary=f"Audit log exported ({len(events)} events)")
    filename = f"audit-{g.tenant.slug}-{london_today().isoformat()}.csv"
    return Response(services.events_as_csv(events), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
