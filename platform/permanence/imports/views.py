"""The imports pages: upload, map the spreadsheet's headings, follow the run, read its errors."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import require
from ..cases import provenance
from ..core.db import get_or_404
from ..tor.services import tracker_layout
from ..tor.tracker import IMPORT_FIELDS
from . import services
from .dfe_rules import findings_csv_rows
from .forms import Import903Form, TrackerUploadForm, mapping_form
from .jobs import fail_if_stalled
from .models import ImportKind, ImportRun, ImportStatus

bp = Blueprint("imports", __name__, template_folder="templates")
ERRORS_ON_PAGE = 500
DISAGREEMENTS_ON_PAGE = 200


def _read(file_storage) -> tuple[str, bytes]:
    """The upload's name and bytes, reading one byte past the cap so an oversized file is caught."""
    return file_storage.filename or "", file_storage.read(services.MAX_UPLOAD_BYTES + 1)


def _index(ssda903=None, tracker=None, status=200):
    return render_template("imports/index.html", form_903=ssda903 or Import903Form(),
                           form_tracker=tracker or TrackerUploadForm(),
                           layout=tracker_layout(g.tenant.id), runs=services.recent_runs(),
                           max_size=services.MAX_UPLOAD_TEXT), status


@bp.get("/<tenant_slug>/imports/")
@require("children.import")
def index(tenant_slug):
    return _index()


@bp.post("/<tenant_slug>/imports/ssda903")
@require("children.import")
def upload_903(tenant_slug):
    form = Import903Form()
    if not form.validate_on_submit():
        return _index(ssda903=form, status=400)
    files = {role: _read(getattr(form, role).data) for role in form.chosen_tables()}
    try:
        run = services.start_903_import(files, all_or_nothing=form.ssda903_mode.data == "all_or_nothing",
                                        created_by_id=current_user.id, encoding=form.encoding.data or None)
    except services.UploadError as exc:
        getattr(form, exc.field).errors = [exc.message]
        return _index(ssda903=form, status=400)
    return redirect(url_for("imports.run", import_run_id=run.id))


@bp.post("/<tenant_slug>/imports/tracker")
@require("children.import")
def upload_tracker(tenant_slug):
    form = TrackerUploadForm()
    if not form.validate_on_submit():
        return _index(tracker=form, status=400)
    name, data = _read(form.spreadsheet.data)
    try:
        run = services.start_tracker_upload(name, data, all_or_nothing=form.tracker_mode.data == "all_or_nothing",
                                            created_by_id=current_user.id,
                                            layout=tracker_layout(g.tenant.id))
    except services.UploadError as exc:
        form.spreadsheet.errors = [exc.message]
        return _index(tracker=form, status=400)
    return redirect(url_for("imports.mapping", import_run_id=run.id))


@bp.route("/<tenant_slug>/imports/<int:import_run_id>/mapping", methods=["GET", "POST"])
@require("children.import")
def mapping(tenant_slug, import_run_id):
    run = get_or_404(ImportRun, import_run_id)
    if run.kind != ImportKind.TRACKER:
        abort(404)
    if run.status != ImportStatus.MAPPING:
        return redirect(url_for("imports.run", import_run_id=run.id))
    headings = services.headings_of(run, tracker_layout(g.tenant.id))
    form = mapping_form(headings, request.form if request.method == "POST" else None)
    problems, overall = {}, None
    if request.method == "POST" and form.validate():
        chosen = {h.heading: form[f"column_{i}"].data for i, h in enumerate(headings)}
        problems, overall = services.check_mapping(chosen)
        if not problems and not overall:
            services.confirm_mapping(run, chosen)
            return redirect(url_for("imports.run", import_run_id=run.id))
        for i, h in enumerate(headings):
            if h.heading in problems:
                form[f"column_{i}"].errors = [problems[h.heading]]
    status = 400 if request.method == "POST" else 200
    return render_template("imports/mapping.html", run=run, form=form, headings=headings, overall=overall,
                           fields=IMPORT_FIELDS), status


@bp.get("/<tenant_slug>/imports/<int:import_run_id>")
@require("children.import")
def run(tenant_slug, import_run_id):
    row = get_or_404(ImportRun, import_run_id)
    fail_if_stalled(row)  # the person waiting on the page learns at once that its job died
    return render_template("imports/run.html", run=row, errors=services.report_of(row, ERRORS_ON_PAGE),
                           more_errors=max(0, len(row.errors) - ERRORS_ON_PAGE),
                           dfe=services.dfe_report_of(row, ERRORS_ON_PAGE))


@bp.post("/<tenant_slug>/imports/<int:import_run_id>/again")
@require("children.import")
def run_again(tenant_slug, import_run_id):
    row = get_or_404(ImportRun, import_run_id)
    services.run_again(row)  # a run that has not failed is left as it is
    return redirect(url_for("imports.run", import_run_id=row.id))


@bp.get("/<tenant_slug>/imports/<int:import_run_id>/errors.csv")
@require("children.import")
def errors_csv(tenant_slug, import_run_id):
    row = get_or_404(ImportRun, import_run_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["File", "Row", "Column", "Reason"])
    for error in services.report_of(row):
        writer.writerow([error["file"], error["row"] or "", error["column"] or "", error["reason"]])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="import-{row.id}-errors.csv"'})


@bp.get("/<tenant_slug>/imports/disagreements")
@require("children.import")
def disagreements(tenant_slug):
    """The children whose sources (903 return, tracker sheet, API, people) disagree, to resolve on each page."""
    listed = provenance.children_with_conflicts(limit=DISAGREEMENTS_ON_PAGE)
    return render_template("imports/disagreements.html", listed=listed, says=provenance.describe,
                           limit=DISAGREEMENTS_ON_PAGE)


@bp.get("/<tenant_slug>/imports/<int:import_run_id>/dfe-findings.csv")
@require("children.import")
def dfe_findings_csv(tenant_slug, import_run_id):
    row = get_or_404(ImportRun, import_run_id)
    dfe = services.dfe_report_of(row)
    if dfe is None:
        abort(404)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["File", "Row", "Child", "Rule", "What the rule says", "Columns", "Blocks import?"])
    writer.writerows(findings_csv_rows(dfe))
    if dfe["more"]:
        writer.writerow(["", "", "", "", f"And {dfe['more']:,} more findings, not kept: correct these and import again "
                                         "to see them", "", ""])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="import-{row.id}-dfe-findings.csv"'})
