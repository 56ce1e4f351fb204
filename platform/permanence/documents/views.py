"""Papers on the web: download by token (audited), the upload form, and what pages embed.

Views only translate between HTTP and ``services``; who may read a paper is the object rule
registered in ``documents.subjects``, applied by ``load_or_404``.
"""

from __future__ import annotations

from dataclasses import dataclass
import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require
from ..core.clock import LONDON
from ..extensions import db
from . import services, subjects
from .checks import ACCEPT, ALLOWED_TEXT, KINDS, PaperError, file_size
from .models import Document, OTHER

bp = Blueprint("documents", __name__, template_folder="templates")
_KIND_NAMES = {kind.media_type: kind.short.split(" (")[0] for kind in KINDS}


class PaperUploadForm(FlaskForm):
    """Only the CSRF token: the fields are read and checked by ``services.attach``, which names the
    file and the reason when it refuses one."""


@dataclass(frozen=True)
class OtherItem:
    """The "other paper" choice offered beside the ToR's paperwork items."""

    id: str = OTHER
    label: str = "Other paper"
    required: bool = False


@dataclass(frozen=True)
class PapersPanel:
    """What ``documents/_papers.html`` renders for one subject on its page."""

    overview: services.PapersOverview
    can_upload: bool
    max_size: str
    accept: str = ACCEPT
    allowed: str = ALLOWED_TEXT
    other: OtherItem = OtherItem()

    @property
    def upload_url(self) -> str:
        return url_for("documents.upload", subject_type=self.overview.subject_type,
                       subject_id=self.overview.subject_id)

    @staticmethod
    def describe(version) -> str:
        """"PDF, 120 KB": the type and size beside a download link."""
        return f"{_KIND_NAMES.get(version.media_type, version.media_type)}, {file_size(version.size)}"

    @staticmethod
    def uploaded(version) -> str:
        """"3 March 2027 at 14:05 by Sam Worker", in London time."""
        at = version.uploaded_at.astimezone(LONDON)
        who = version.uploaded_by.name if version.uploaded_by else "a former user"
        return f"{at.day} {at:%B %Y} at {at:%H:%M} by {who}"


def _size_text() -> str:
    return file_size(services.max_bytes())


def papers_panel(subject_type: str, subject) -> PapersPanel:
    """For a subject's page: ``{{ papers(papers_panel("child", child)) }}`` after
    ``{% from "documents/_papers.html" import papers %}``. Only papers the member may read appear."""
    return PapersPanel(overview=services.papers_overview(subject_type, subject),
                       can_upload=has_permission("papers.upload"), max_size=_size_text())


def _subject_or_404(subject_type: str | None, subject_id: int | None):
    """The registered subject and its row, if the member may read its papers: a subject of another
    council (or none) is a 404, one of this council they are not entitled to a 403."""
    registered = subjects.subject(subject_type or "")
    if registered is None or subject_id is None:
        abort(404)
    row = db.session.execute(select(registered.model).where(registered.model.id == subject_id)).scalar_one_or_none()
    if row is None:
        abort(404)
    criterion = registered.criterion(g.membership)
    if criterion is not None and db.session.execute(
            select(registered.model.id).where(registered.model.id == subject_id, criterion)).first() is None:
        abort(403)
    return registered, row


def _subject_label(registered, row) -> str:
    return registered.label(row) if registered.label else f"{registered.type.replace('_', ' ')} {row.id}"


def _subject_page(registered, row) -> str:
    return registered.page(row) if registered.page else url_for("web.home")


@bp.route("/<tenant_slug>/papers/upload", methods=["GET", "POST"])
@require("papers.upload")
def upload(tenant_slug):
    """Upload a paper for the subject named in the query string; on a problem, this page shows it."""
    registered, row = _subject_or_404(request.args.get("subject_type"), request.args.get("subject_id", type=int))
    items = {item.id: item for item in services.paperwork_items(registered.type, row)}
    items[OTHER] = OtherItem()
    chosen = items.get(request.values.get("paperwork_id", ""))
    form = PaperUploadForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        status = 422
        if not form.validate_on_submit():
            errors["file"] = ["The form had expired. Select the file and upload it again."]
        elif chosen is None:
            errors["paperwork_id"] = ["Choose which paper this is"]
        else:
            upload = request.files.get("file")
            data = upload.stream.read(services.max_bytes() + 1) if upload else b""
            title = chosen.label if chosen.id != OTHER else request.form.get("title", "")
            try:
                version = services.attach(registered.type, row, paperwork_id=chosen.id, title=title,
                                          filename=upload.filename if upload else "", data=data,
                                          uploaded_by=current_user.id)
            except PaperError as exc:
                errors[exc.field if exc.field in ("file", "title") else "file"] = [exc.message]
            else:
                flash(f"{version.document.title}: {version.filename} uploaded as version {version.number}",
                      "success")
                return redirect(_subject_page(registered, row) + "#papers")
    return render_template(
        "documents/upload.html", item=chosen, items=items, errors=errors, title_value=request.form.get("title", ""),
        subject_label=_subject_label(registered, row), back_url=_subject_page(registered, row) + "#papers",
        action=url_for("documents.upload", subject_type=registered.type, subject_id=row.id),
        accept=ACCEPT, allowed=ALLOWED_TEXT, max_size=_size_text(),
    ), status


@bp.errorhandler(413)
def too_large(error):
    """A request far over the cap is stopped before the form is read (and before the council and
    member are known), so this page names no record: it says the limit and what to do."""
    db.session.rollback()
    return render_template("documents/too_large.html", max_size=_size_text()), 413


@bp.get("/<tenant_slug>/papers/<token>")
@require("papers.view")
def download(tenant_slug, token):
    """The paper's latest version, or ``?version=N``; only for those entitled to its subject.
    Every download is recorded in the audit log with the version taken."""
    document_id = services.document_id_for_token(token)
    if document_id is None:
        abort(404)
    document = load_or_404(Document, document_id)
    number = request.args.get("version", type=int)
    if "version" in request.args and number is None:
        abort(404)
    version = services.version_of(document, number)
    if version is None:
        abort(404)
    services.record_download(version)
    return send_version(version)


def send_version(version):
    """The version's bytes as an attachment the browser will neither sniff, render nor cache."""
    response = send_file(io.BytesIO(version.content), mimetype=version.media_type, as_attachment=True,
                         download_name=version.filename, conditional=False, etag=False, max_age=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers.pop("Last-Modified", None)
    return response
