"""Forms of the imports page: the three 903 tables, a tracker spreadsheet, and its mapping."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField

from ..tor.tracker import IMPORT_FIELDS
from .tracker_cells import NOTE, NOTE_LABEL

MODES = [
    ("all_or_nothing", "All or nothing: if any row is wrong, import nothing and list what to fix"),
    ("partial", "Partial: import every child whose rows are all right, and list the children left out"),
]


def _mode():
    return RadioField("If some rows are wrong", choices=MODES, default="all_or_nothing",
                      validate_choice=True)


class Import903Form(FlaskForm):
    """The three SSDA903 tables as the DfE specifies them (CSV)."""

    header = FileField("Header table", validators=[FileRequired("Choose the 903 Header table (a CSV file)")])
    episodes = FileField("Episodes table", validators=[FileRequired("Choose the 903 Episodes table (a CSV file)")])
    reviews = FileField("Reviews table", validators=[FileRequired("Choose the 903 Reviews table (a CSV file)")])
    ssda903_mode = _mode()


class TrackerUploadForm(FlaskForm):
    """The council's tracker spreadsheet."""

    spreadsheet = FileField("Tracker spreadsheet", validators=[
        FileRequired("Choose the tracker spreadsheet (an .xlsx or .csv file)")])
    tracker_mode = _mode()


def field_choices() -> list[tuple[str, str]]:
    return [("", "Do not import"), (NOTE, NOTE_LABEL)] + [(name, src.label) for name, src in IMPORT_FIELDS.items()]


def mapping_form(headings, formdata=None) -> FlaskForm:
    """One choice per heading of the uploaded file, suggested from the council's layout."""

    class MappingForm(FlaskForm):
        pass

    choices = field_choices()
    for i, choice in enumerate(headings):
        setattr(MappingForm, f"column_{i}", SelectField(
            f"Column {choice.letter}: {choice.heading}", choices=choices, default=choice.suggested,
            validate_choice=True))
    return MappingForm(formdata=formdata) if formdata is not None else MappingForm()
