"""Forms of the imports page: the three 903 tables, a tracker spreadsheet, and its mapping."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField

from ..cases.imports import OPTIONAL
from ..tor.tracker import IMPORT_FIELDS
from .tracker_cells import NOTE, NOTE_LABEL

MODES = [
    ("all_or_nothing", "All or nothing: if any row is wrong, import nothing and list what to fix"),
    ("partial", "Partial: import every child whose rows are all right, and list the children left out"),
]


def _mode():
    return RadioField("If some rows are wrong", choices=MODES, default="all_or_nothing",
                      validate_choice=True)


ENCODING_CHOICES = [
    ("", "Work it out: UTF-8, else Windows-1252"),
    ("utf-8", "UTF-8 (\"CSV UTF-8\" in Excel)"),
    ("windows-1252", "Windows-1252 (plain \"CSV\" from Excel on a British PC)"),
]


class Import903Form(FlaskForm):
    """The SSDA903 tables as the DfE specifies them (CSV): Header, Episodes and Reviews, and any of the
    others the return has (``cases.ssda903.tables``)."""

    header = FileField("Header table", validators=[FileRequired("Choose the 903 Header table (a CSV file)")])
    episodes = FileField("Episodes table", validators=[FileRequired("Choose the 903 Episodes table (a CSV file)")])
    reviews = FileField("Reviews table", validators=[FileRequired("Choose the 903 Reviews table (a CSV file)")])
    uasc = FileField("UASC table (optional)")
    placed_adoption = FileField("PlacedAdoption table (optional)")
    ad1 = FileField("AD1 table (optional)")
    prev_perm = FileField("PrevPerm table (optional)")
    missing = FileField("Missing table (optional)")
    oc2 = FileField("OC2 table (optional)")
    oc3 = FileField("OC3 table (optional)")
    sw_episodes = FileField("SWEpisodes table (optional, not used)")
    dolo = FileField("DoLo table (optional, not used)")
    encoding = SelectField("How the files are saved", choices=ENCODING_CHOICES, default="", validate_choice=True)
    ssda903_mode = _mode()

    OPTIONAL_TABLES = OPTIONAL  # a field above for each

    def chosen_tables(self) -> list[str]:
        """The tables given: the three needed ones and each optional one with a file."""
        return ["header", "episodes", "reviews"] + [
            role for role in self.OPTIONAL_TABLES if getattr(self, role).data and getattr(self, role).data.filename]


class TrackerUploadForm(FlaskForm):
    """The council's tracker spreadsheet."""

    spreadsheet = FileField("Tracker spreadsheet",
                            description="The council's tracker as an .xlsx or .csv file, one row a child: you say "
                                        "what each column means on the next page.",
                            validators=[
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
