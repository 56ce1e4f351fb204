"""The council's own tracker spreadsheet: the ``tracker:`` section of ``tor.yaml``.

Every seed council keeps a spreadsheet of its children's journeys to permanence,
and several must still send one. The section describes that spreadsheet as the
council lays it out: its columns in order, each with the council's heading and
what it shows (a field of the child's record, a fact, a date from the child's
history, or a milestone's due or achieved date), the council's wording for codes
("Care Order" for C2), how dates are written, and which other headings in the
council's own files mean what. The export writes this layout and the import reads
it. A council without the section gets :func:`default_layout`. Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Iterator, Mapping, Sequence

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from .fields import Bool, Int, NestedList, Str, StrictSchema, Tuple, one_of
from .vocabulary import BOOLEAN, CODE, CODES, EVENTS, FACTS, LEGAL_STATUSES, PLACEMENT_TYPES, PLAN_ROUTES, as_noun

# --- What a column can show --------------------------------------------------------------------

FIELD, FACT, DATE, MILESTONE = "field", "fact", "date", "milestone"
SOURCE_KINDS = (FIELD, FACT, DATE, MILESTONE)

# Value types, which decide how a cell is written on export and read on import.
TEXT, DAY, SEX, TEAM, PERSON, NUMBER, YES_NO = "text", "date", "sex", "team", "person", "number", "yes_no"


@dataclass(frozen=True)
class ColumnSource:
    """One thing a column can show: its kind and name, a label, its value type, and whether the
    import can write it back to the child's record."""

    kind: str
    name: str
    label: str
    type: str
    importable: bool = False
    codes: Mapping[str, str] | None = None


def _sources(*rows: ColumnSource) -> Mapping[str, ColumnSource]:
    return MappingProxyType({s.name: s for s in rows})


CHILD_FIELDS = _sources(
    ColumnSource(FIELD, "case_number", "Case number in the council's case record system", TEXT, True),
    ColumnSource(FIELD, "name", "Full name", TEXT, True),
    ColumnSource(FIELD, "first_name", "First name", TEXT, True),
    ColumnSource(FIELD, "last_name", "Last name", TEXT, True),
    ColumnSource(FIELD, "date_of_birth", "Date of birth", DAY, True),
    ColumnSource(FIELD, "expected_date_of_birth", "Expected date of birth (unborn child)", DAY, True),
    ColumnSource(FIELD, "sex", "Sex", SEX, True),
    ColumnSource(FIELD, "ethnicity", "Ethnicity (SSDA903 code)", TEXT, True),
    ColumnSource(FIELD, "team", "Team", TEAM, True),
    ColumnSource(FIELD, "social_worker", "Allocated social worker", PERSON, True),
    ColumnSource(FIELD, "team_manager", "Team manager", PERSON, True),
    ColumnSource(FIELD, "iro", "Independent reviewing officer", PERSON, True),
)

# Facts the import can record as a new entry in the child's history.
IMPORTABLE_FACTS = ("legal_status", "placement.type", "placement.approved_permanent", "plan.primary_route",
                    "plan.contingency_routes")
_FACT_TYPES = {CODE: CODE, CODES: CODES, BOOLEAN: YES_NO, "number": NUMBER}
FACT_SOURCES = _sources(*(
    ColumnSource(FACT, f.name, f.label[0].upper() + f.label[1:], _FACT_TYPES[f.type], f.name in IMPORTABLE_FACTS,
                 f.values)
    for f in FACTS.values()))

# Dates from the child's history: every event of the timescale vocabulary, and the start of
# the current legal status and primary plan, which a tracker shows beside them.
IMPORTABLE_DATES = ("entered_care", "legal_status_start", "placement_start", "plan_agreed", "proceedings_issued")
_EXTRA_DATES = {"legal_status_start": "the current legal status began",
                "plan_agreed": "the current primary plan was agreed"}
def date_label(text: str) -> str:
    """"Date the child became looked after" for an event said as a clause, "Date of the second
    looked-after review" for one said as a noun ("The expected date of birth" as it is)."""
    if "date of" in text:
        return text[:1].upper() + text[1:]
    noun = as_noun(text)
    return "Date" + noun.removeprefix("the date") if noun != text else "Date of " + text


HISTORY_DATES = _sources(*(
    ColumnSource(DATE, name, date_label(text), DAY, name in IMPORTABLE_DATES)
    for name, text in {**EVENTS, **_EXTRA_DATES}.items()))

SOURCES: Mapping[str, Mapping[str, ColumnSource]] = MappingProxyType(
    {FIELD: CHILD_FIELDS, FACT: FACT_SOURCES, DATE: HISTORY_DATES})

# What the import can write, by name (the names of the three kinds never clash).
IMPORT_FIELDS: Mapping[str, ColumnSource] = MappingProxyType(
    {s.name: s for kind in SOURCES.values() for s in kind.values() if s.importable})
IMPORT_KEY = "case_number"

MILESTONE_SHOWS = {"due": "due date", "achieved": "date achieved", "status": "status"}

# Code lists a column may give the council's own wording for.
TRANSLATABLE = {"legal_status": LEGAL_STATUSES, "placement.type": PLACEMENT_TYPES,
                "plan.primary_route": PLAN_ROUTES, "plan.contingency_routes": PLAN_ROUTES}

# Date formats as a spreadsheet writes them (also Excel number formats) -> how to read them.
DATE_FORMATS: Mapping[str, str] = MappingProxyType({
    "dd/mm/yyyy": "%d/%m/%Y",
    "dd/mm/yy": "%d/%m/%y",
    "yyyy-mm-dd": "%Y-%m-%d",
    "dd-mm-yyyy": "%d-%m-%Y",
    "dd.mm.yyyy": "%d.%m.%Y",
    "d mmm yyyy": "%d %b %Y",
    "d mmmm yyyy": "%d %B %Y",
})


def format_date(day: date, fmt: str) -> str:
    """``day`` written in one of :data:`DATE_FORMATS` (``d`` without a leading zero)."""
    text = day.strftime(DATE_FORMATS[fmt])
    return text.lstrip("0") if fmt.startswith("d ") else text


def parse_date(text: str, formats: Sequence[str]) -> date:
    """Read ``text`` in the first of ``formats`` that fits; raises ValueError naming them."""
    for fmt in formats:
        try:
            return datetime.strptime(text.strip(), DATE_FORMATS[fmt]).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected {' or '.join(formats)})")


def normalise_heading(text) -> str:
    """Headings match whatever their case, spacing or line breaks: 'Legal  Status' is 'legal status'."""
    return " ".join(str(text or "").split()).casefold()


# --- The layout ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackerColumn:
    """One column of the council's tracker: its heading and what it shows.

    ``names`` holds one name, or for a milestone column one or more timescale ids (the column
    shows the soonest of those that apply, as a tracker shows "next PPTM due")."""

    heading: str
    kind: str
    names: tuple[str, ...]
    show: str = "due"
    codes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    read_on_import: bool = True
    source: str = ""

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def value_source(self) -> ColumnSource | None:
        """What the column shows, or None for a milestone column."""
        return SOURCES[self.kind].get(self.name) if self.kind != MILESTONE else None

    @property
    def import_field(self) -> str | None:
        """The field the import fills from this column, or None when it is not read back."""
        src = self.value_source
        return src.name if src is not None and src.importable and self.read_on_import else None

    def code_words(self, code: str) -> str:
        """A code the council's wording stands for, as the rendered ToR shows it: an SSDA903 code as
        itself ("C2"), one of the platform's own as its words ("return to family")."""
        src = self.value_source
        label = (src.codes or {}).get(code) if src is not None else None
        return code if label is None or code.isupper() else label

    def wording_for(self, code: str) -> str | None:
        """The council's own wording for ``code`` in this column, if it gave one."""
        return next((text for text, c in self.codes.items() if c == code), None)

    def describe(self, timescale_labels: Mapping[str, str]) -> str:
        """What the column shows, in English, for the rendered terms of reference."""
        if self.kind == MILESTONE:
            labels = [timescale_labels.get(n, n) for n in self.names]
            what = labels[0] if len(labels) == 1 else "the soonest of: " + "; ".join(labels)
            return f"{MILESTONE_SHOWS[self.show].capitalize()} of {what}"
        return self.value_source.label


@dataclass(frozen=True)
class TrackerImport:
    """How the council's own files are read: other headings they use, date formats, header row."""

    headings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    date_formats: tuple[str, ...] = ()
    header_row: int = 1
    source: str = ""


@dataclass(frozen=True)
class TrackerLayout:
    """The council's tracker spreadsheet, column by column."""

    columns: tuple[TrackerColumn, ...]
    sheet: str = "Tracker"
    date_format: str = "dd/mm/yyyy"
    reading: TrackerImport = TrackerImport()
    source: str = ""
    default: bool = False

    @property
    def import_date_formats(self) -> tuple[str, ...]:
        """Formats a text date may take on import: the layout's own first, then ISO."""
        formats = (self.date_format, *self.reading.date_formats, "yyyy-mm-dd")
        return tuple(dict.fromkeys(formats))

    def import_mapping(self) -> dict[str, str]:
        """Normalised heading -> import field, from the columns and the extra import headings."""
        mapping = {normalise_heading(c.heading): c.import_field for c in self.columns if c.import_field}
        mapping.update({normalise_heading(h): f for h, f in self.reading.headings.items()})
        return mapping

    def headings_for(self, import_field: str) -> list[str]:
        """The headings, as the council writes them, that the import reads ``import_field`` from."""
        return [c.heading for c in self.columns if c.import_field == import_field] + [
            h for h, f in self.reading.headings.items() if f == import_field]

    def codes_for(self, import_field: str) -> Mapping[str, str]:
        """The council's wording -> code for an import field, from the column that shows it."""
        merged: dict[str, str] = {}
        for column in self.columns:
            if column.value_source is not None and column.name == import_field:
                merged.update(column.codes)
        return merged


def _column(heading: str, kind: str, name: str, **kw) -> TrackerColumn:
    return TrackerColumn(heading=heading, kind=kind, names=(name,), **kw)


def default_layout(timescales: Sequence) -> TrackerLayout:
    """The layout of a council whose terms of reference describe no tracker: who the child is,
    where they are, their plan, and the due date of every timescale that applies to the council."""
    columns = [
        _column("Case number", FIELD, "case_number"),
        _column("Name", FIELD, "name"),
        _column("Date of birth", FIELD, "date_of_birth"),
        _column("Team", FIELD, "team"),
        _column("Social worker", FIELD, "social_worker"),
        _column("Date entered care", DATE, "entered_care"),
        _column("Legal status", FACT, "legal_status"),
        _column("Legal status since", DATE, "legal_status_start"),
        _column("Placement type", FACT, "placement.type"),
        _column("Placement since", DATE, "placement_start"),
        _column("Primary plan", FACT, "plan.primary_route"),
        _column("Plan agreed", DATE, "plan_agreed"),
        _column("Contingency plans", FACT, "plan.contingency_routes"),
    ]
    seen = {normalise_heading(c.heading) for c in columns}
    for rule in timescales:
        heading = f"{rule.label}: due"
        if normalise_heading(heading) in seen:
            heading = f"{rule.label} ({rule.id}): due"
        seen.add(normalise_heading(heading))
        columns.append(_column(heading, MILESTONE, rule.id))
    return TrackerLayout(columns=tuple(columns), default=True)


# --- Schema -------------------------------------------------------------------------------------

_SHEET_NAME = validate.Regexp(r"^[^\[\]:*?/\\]{1,31}$",
                              error="a sheet name has 1 to 31 characters and none of [ ] : * ? / \\")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class MilestoneRef(fields.Field):
    """A timescale id, or a list of them (the column shows the soonest that applies)."""

    def _deserialize(self, value, attr, data, **kwargs):
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and _RULE_ID.match(i) for i in ids):
            raise ValidationError("expected a timescale id, or a list of timescale ids, such as first-review")
        return tuple(ids)


def _one_of_names(sources: Mapping[str, ColumnSource], what: str):
    return one_of(tuple(sources), what)


class TrackerColumnSchema(StrictSchema):
    heading = Str(required=True, validate=validate.Length(min=1, max=100, error="a heading has 1 to 100 characters"))
    field = Str(validate=_one_of_names(CHILD_FIELDS, "child field"))
    fact = Str(validate=_one_of_names(FACT_SOURCES, "fact"))
    date = Str(validate=_one_of_names(HISTORY_DATES, "history date"))
    milestone = MilestoneRef()
    show = Str(validate=one_of(tuple(MILESTONE_SHOWS), "milestone date"))
    codes = fields.Dict(keys=Str(), values=Str(), error_messages={"invalid": "expected a mapping of wording: code"})
    read_on_import = Bool(load_default=True, data_key="import")
    source = Str(load_default="")

    @validates_schema
    def _check(self, data, **kwargs):
        given = [k for k in SOURCE_KINDS if k in data]
        if len(given) != 1:
            raise ValidationError("give exactly one of field, fact, date or milestone: what the column shows"
                                  + (f" (this column gives {' and '.join(given)})" if given else ""))
        kind = given[0]
        errors: dict = {}
        if "show" in data and kind != MILESTONE:
            errors["show"] = ["'show' is for milestone columns only (due, achieved or status)"]
        codes = data.get("codes")
        if codes is not None:
            allowed = TRANSLATABLE.get(data[kind]) if kind == FACT else None
            if allowed is None:
                errors["codes"] = [f"codes can only be given for {', '.join(TRANSLATABLE)}"]
            else:
                bad = {text: [f"unknown code {code!r} for {data[kind]}; allowed: {', '.join(allowed)}"]
                       for text, code in codes.items() if code not in allowed}
                if bad:
                    errors["codes"] = bad
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data, **kwargs):
        kind = next(k for k in SOURCE_KINDS if k in data)
        names = data[kind] if kind == MILESTONE else (data[kind],)
        return TrackerColumn(heading=data["heading"].strip(), kind=kind, names=names, show=data.get("show", "due"),
                             codes=MappingProxyType(dict(data.get("codes") or {})),
                             read_on_import=data["read_on_import"], source=data["source"])


class TrackerImportSchema(StrictSchema):
    target = TrackerImport
    headings = fields.Dict(keys=Str(), values=Str(), load_default=dict,
                           error_messages={"invalid": "expected a mapping of heading: field"})
    date_formats = Tuple(Str(validate=one_of(tuple(DATE_FORMATS), "date format")), load_default=())
    header_row = Int(load_default=1, validate=validate.Range(min=1, max=50, error="the header row is 1 to 50"))
    source = Str(load_default="")

    @validates_schema
    def _check(self, data, **kwargs):
        bad = {heading: [f"unknown field {target!r}; fields the import can fill: {', '.join(IMPORT_FIELDS)}"]
               for heading, target in (data.get("headings") or {}).items() if target not in IMPORT_FIELDS}
        if bad:
            raise ValidationError({"headings": bad})

    @post_load
    def _build(self, data, **kwargs):
        data["headings"] = MappingProxyType(dict(data["headings"]))
        data["date_formats"] = tuple(data["date_formats"])
        return TrackerImport(**data)


class TrackerSchema(StrictSchema):
    sheet = Str(load_default="Tracker", validate=_SHEET_NAME)
    date_format = Str(load_default="dd/mm/yyyy", validate=one_of(tuple(DATE_FORMATS), "date format"))
    columns = NestedList(TrackerColumnSchema, required=True,
                         validate=validate.Length(min=1, error="list at least one column"))
    reading = fields.Nested(TrackerImportSchema, data_key="import", load_default=TrackerImport)
    source = Str(load_default="")

    @post_load
    def _build(self, data, **kwargs):
        return TrackerLayout(columns=tuple(data["columns"]), sheet=data["sheet"], date_format=data["date_format"],
                             reading=data["reading"], source=data["source"])


# --- Checks that need the whole terms of reference ------------------------------------------------

def tracker_errors(tor) -> Iterator[tuple[tuple, str]]:
    """Problems in ``tor.tracker`` as ``(path, message)``: unknown timescales, headings given
    twice, a field filled from two headings, and no heading for the case number."""
    layout = tor.tracker
    if layout is None:
        return
    known = [t.id for t in tor.timescales]
    seen: dict[str, int] = {}
    filled: dict[str, str] = {}
    for i, column in enumerate(layout.columns):
        path = ("tracker", "columns", i)
        key = normalise_heading(column.heading)
        if key in seen:
            yield (path + ("heading",),
                   f"heading {column.heading!r} is also column {seen[key] + 1}; headings must differ")
        seen.setdefault(key, i)
        if column.kind == MILESTONE:
            for n, rule_id in enumerate(column.names):
                if rule_id not in known:
                    where = path + ("milestone",) + ((n,) if len(column.names) > 1 else ())
                    yield where, f"unknown timescale {rule_id!r}; timescales of this council: {', '.join(known)}"
        target = column.import_field
        if target is not None:
            if target in filled:
                yield (path + ("import",), f"{target} is already read from {filled[target]!r}; "
                                           "set import: false on one of them")
            filled.setdefault(target, column.heading)
    for heading, target in layout.reading.headings.items():
        path = ("tracker", "import", "headings", heading)
        if normalise_heading(heading) in seen:
            yield path, f"{heading!r} is already a column heading; list only other headings here"
    if IMPORT_KEY not in filled and IMPORT_KEY not in layout.reading.headings.values():
        yield ("tracker", "columns"), ("no column gives the case number (field: case_number), which the import "
                                       "matches children on")
