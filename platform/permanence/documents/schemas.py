"""Marshmallow schemas for papers in the API: what a paper and its versions look like, and an upload."""

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ..core.schemas import Int


class DocumentVersionSchema(Schema):
    """One uploaded file of a paper."""

    number = Int()
    filename = fields.Str()
    media_type = fields.Str(metadata={"description": "Read from the file's content when it was uploaded"})
    size = Int(metadata={"description": "Bytes"})
    sha256 = fields.Str()
    uploaded_at = fields.DateTime()
    uploaded_by = fields.Function(lambda v: v.uploaded_by.name if v.uploaded_by else None)
    download_url = fields.Function(
        lambda v: url_for("papers_api.PaperContentView", token=v.document.token, version=v.number),
        metadata={"description": "GET with the same token to download this version (audited)"})


class DocumentSchema(Schema):
    """A paper about a subject, with its versions, newest first."""

    token = fields.Str(metadata={"description": "Names the paper in URLs; not a secret that grants access"})
    subject_type = fields.Str()
    subject_id = Int()
    paperwork_id = fields.Str(metadata={"description": "A paperwork item id of the terms of reference, or 'other'"})
    title = fields.Str()
    current_version = Int()
    created_at = fields.DateTime()
    versions = fields.List(fields.Nested(DocumentVersionSchema))


class SubjectQuerySchema(Schema):
    subject_type = fields.Str(required=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "What the papers belong to, e.g. child"})
    subject_id = Int(required=True)


class PaperUploadSchema(SubjectQuerySchema):
    """The form fields of an upload (multipart/form-data, with the file as ``file``)."""

    paperwork_id = fields.Str(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"description": "Which paperwork item of the terms of reference, or 'other'"})
    title = fields.Str(validate=validate.Length(max=200),
                       metadata={"description": "Required for 'other'; a ToR item is titled by its label"})


class PaperFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "PDF, DOCX, XLSX, ODT, PNG, JPEG or UTF-8 text"})


class VersionQuerySchema(Schema):
    version = Int(validate=validate.Range(min=1), metadata={"description": "Default: the latest"})
