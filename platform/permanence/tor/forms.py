"""Forms for loading a terms of reference: a file upload or pasted YAML, never both."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .loader import MAX_TOR_BYTES


class TorUploadForm(FlaskForm):
    """Upload ``tor.yaml`` or paste its text; ``source()`` gives the text and a file name."""

    tor_file = FileField("Upload tor.yaml", validators=[
        Optional(),
        FileAllowed(["yaml", "yml"], "The file must be a YAML file ending .yaml or .yml"),
        FileSize(max_size=MAX_TOR_BYTES, message=f"The file must be smaller than {MAX_TOR_BYTES // 1024} KB"),
    ])
    tor_text = TextAreaField("Or paste the YAML", validators=[
        Optional(),
        Length(max=MAX_TOR_BYTES, message=f"The pasted text must be shorter than {MAX_TOR_BYTES // 1024} KB")])
    note = StringField("What this version changes (optional)", validators=[
        Optional(), Length(max=500, message="The note must be 500 characters or fewer")])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        has_file = bool(self.tor_file.data and getattr(self.tor_file.data, "filename", ""))
        has_text = bool((self.tor_text.data or "").strip())
        if has_file == has_text:
            message = ("Upload a file or paste the YAML, not both" if has_file
                       else "Upload tor.yaml or paste the YAML of the terms of reference")
            self.tor_file.errors = [*self.tor_file.errors, message]
            return False
        if has_file:
            raw = self.tor_file.data.read()
            try:
                self._source = (raw.decode("utf-8-sig"), self.tor_file.data.filename or "tor.yaml")
            except UnicodeDecodeError:
                self.tor_file.errors = [*self.tor_file.errors, "The file must be text saved as UTF-8"]
                return False
        else:
            self._source = (self.tor_text.data.replace("\r\n", "\n"), "tor.yaml")
        return True

    def source(self) -> tuple[str, str]:
        """The YAML text and the name to show in error messages (after ``validate``)."""
        return self._source


class NewTenantFromTorForm(TorUploadForm):
    slug = StringField("Web address", validators=[
        DataRequired("Enter the web address, for example north-shire"), Length(max=63)])
