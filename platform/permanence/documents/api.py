"""Papers through the JSON API, with the same permissions, object rule and audit as the web pages."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.permissions import load_or_404, require
from . import services
from ..extensions import db
from .checks import PaperError, file_size
from .models import OTHER, Document
from .schemas import DocumentSchema, PaperFileSchema, PaperUploadSchema, SubjectQuerySchema, VersionQuerySchema
from .views import _subject_or_404, send_version

blp = Blueprint("papers_api", __name__, description="Papers attached to a child's record or an agenda item")


def _document(token):
    document_id = services.document_id_for_token(token)
    if document_id is None:
        abort(404)
    return load_or_404(Document, document_id)


@blp.errorhandler(413)
def too_large(error):
    message = (f"The file is larger than {file_size(services.max_bytes())}, the most a paper may be; "
               "nothing was uploaded")
    return {"code": 422, "status": "Unprocessable Entity", "message": message,
            "errors": {"files": {"file": [message]}}}, 422


@blp.route("/")
class PaperListView(MethodView):
    @require("papers.view")
    @blp.arguments(SubjectQuerySchema, location="query")
    @blp.response(200, DocumentSchema(many=True))
    def get(self, args, tenant_slug):
        """The subject's papers the token's user may read, with every version."""
        registered, row = _subject_or_404(args["subject_type"], args["subject_id"])
        return services.documents_for(registered.type, row.id)

    @require("papers.upload")
    @blp.arguments(PaperUploadSchema, location="form")
    @blp.arguments(PaperFileSchema, location="files")
    @blp.response(201, DocumentSchema)
    def post(self, form, files, tenant_slug):
        """Upload a paper: a new paper, or the next version of the subject's paper for that item.
        The file's type is read from its content and must match its name; nothing is stored on a refusal."""
        registered, row = _subject_or_404(form["subject_type"], form["subject_id"])
        items = {item.id: item for item in services.paperwork_items(registered.type, row)}
        paperwork_id = form["paperwork_id"]
        if paperwork_id != OTHER and paperwork_id not in items:
            allowed = ", ".join([*items, OTHER])
            abort(422, errors={"form": {"paperwork_id": [f"'{paperwork_id}' is not a paperwork item here; "
                                                         f"use one of: {allowed}"]}})
        title = items[paperwork_id].label if paperwork_id != OTHER else form.get("title", "")
        upload = files["file"]
        try:
            version = services.attach(registered.type, row, paperwork_id=paperwork_id, title=title,
                                      filename=upload.filename or "", data=upload.stream.read(services.max_bytes() + 1),
                                      uploaded_by=g.api_user.id)
        except PaperError as exc:
            location = "files" if exc.field == "file" else "form"
            abort(422, errors={location: {exc.field: [exc.message]}})
        db.session.expire(version.document, ["versions"])  # read back newest first
        return version.document


@blp.route("/<token>")
class PaperView(MethodView):
    @require("papers.view")
    @blp.response(200, DocumentSchema)
    def get(self, tenant_slug, token):
        """One paper and its versions (not the file)."""
        return _document(token)


@blp.route("/<token>/content")
class PaperContentView(MethodView):
    @require("papers.view")
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "The file, as an attachment",
                                "content": {"application/octet-stream": {}}}})
    def get(self, args, tenant_slug, token):
        """Download the latest version, or ``?version=N`` (the download is audited)."""
        document = _document(token)
        version = services.version_of(document, args.get("version"))
        if version is None:
            abort(404)
        services.record_download(version)
        return send_version(version)
