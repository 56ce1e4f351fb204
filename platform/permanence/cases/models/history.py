"""Dated histories on the child's record.

Each row is one span (``start`` to ``end``, the end exclusive as in the 903,
where one episode's DEC is the next one's DECOM) or one dated event. Each row
knows where it came from (``origin``: a person in the app, an API client, an
SSDA903 return, a tracker spreadsheet; ``core.provenance``), so an import replaces
exactly what the same source wrote and never another's. Every model is audited.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ...accounts.models import User
from ...core import provenance
from ...core.db import TenantScoped, Timestamped
from ...extensions import db
from .. import codes


class _ChildHistory(TenantScoped, Timestamped):
    """A row of one child's history, deleted with the child."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(10), default=provenance.current_origin)  # core.provenance
    origin_detail: Mapped[str | None] = mapped_column(String(100), default=provenance.current_detail)

    @declared_attr
    def child_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)

    @property
    def imported(self) -> bool:
        """Written by an import (an SSDA903 return or a tracker spreadsheet), not by a person."""
        return self.origin in (provenance.SSDA903, provenance.TRACKER)

    @property
    def origin_label(self) -> str:
        return provenance.label(self.origin, self.origin_detail)

    def audit_label(self) -> str:
        return f"{self._label} of child {self.child_id}"

    _label = "History"


# --- What a history row says of a day ----------------------------------------------------------------
# The one definition of "current on" / "open on" a day, shared by the models below and by the plain
# records the nightly recompute reads (``cases.records``): behaviour only, no columns, no slots of
# their own, so a slotted record stays slotted.


class Span:
    """``start`` inclusive, ``end`` exclusive; an open span has no end."""

    __slots__ = ()

    def current_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class PlacementDays(Span):
    __slots__ = ()

    def permanent_on(self, day: date) -> bool:
        return self.approved_as_permanent and (self.approved_permanent_on or self.start) <= day


class ProceedingsDays:
    """Open from the issue until the proceedings conclude."""

    __slots__ = ()

    @property
    def week_26(self) -> date:
        return self.issued_on + timedelta(weeks=26)

    def open_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.concluded_on is None or day < self.concluded_on)


class PreProceedingsDays:
    """Open from the legal planning decision until pre-proceedings end."""

    __slots__ = ()

    def open_on(self, day: date) -> bool:
        return self.decision_on <= day and (self.ended_on is None or day < self.ended_on)


class PlanDays:
    """A plan stands from ``agreed_on`` until ``ended_on``."""

    __slots__ = ()

    def current_on(self, day: date) -> bool:
        return self.agreed_on <= day and (self.ended_on is None or day < self.ended_on)




class CarePeriod(Span, _ChildHistory, db.Model):
    """A period of being looked after: from an episode with RNE ``S`` until an episode ends other than X1."""

    _label = "Period of care"

    start: Mapped[date]
    end: Mapped[date | None]
    category_of_need: Mapped[str | None] = mapped_column(String(2))  # 903 CIN
    reason_ceased: Mapped[str | None] = mapped_column(String(3))  # 903 REC of the last episode

    child: Mapped["Child"] = relationship(back_populates="care_periods")  # noqa: F821


class LegalStatus(Span, _ChildHistory, db.Model):
    """An SSDA903 legal status held from ``start`` until ``end``."""

    _label = "Legal status"

    code: Mapped[str] = mapped_column(String(2))
    start: Mapped[date]
    end: Mapped[date | None]
    # For V2 (section 20): whether the accommodation began in an emergency or was planned
    # (tor.vocabulary.S20_ENTRIES); the 903 does not carry it, so it is recorded with the status.
    s20_entry: Mapped[str | None] = mapped_column(String(10))

    child: Mapped["Child"] = relationship(back_populates="legal_statuses")  # noqa: F821

    @property
    def code_label(self) -> str:
        return codes.label(codes.LEGAL_STATUSES, self.code)


class Placement(PlacementDays, _ChildHistory, db.Model):
    """Where the child lived, with whom (provider), and whether it is approved as their permanent home."""

    _label = "Placement"

    place: Mapped[str] = mapped_column(String(3))  # 903 PLACE
    provider: Mapped[str | None] = mapped_column(String(3))  # 903 PLACE_PROVIDER
    start: Mapped[date]
    end: Mapped[date | None]
    reason_for_change: Mapped[str | None] = mapped_column(String(6))  # 903 REASON_PLACE_CHANGE, on ending
    urn: Mapped[str | None] = mapped_column(String(10))  # Ofsted URN of the setting
    approved_as_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_permanent_on: Mapped[date | None]

    child: Mapped["Child"] = relationship(back_populates="placements")  # noqa: F821

    @property
    def place_label(self) -> str:
        return codes.label(codes.PLACEMENT_TYPES, self.place)


class Review(_ChildHistory, db.Model):
    """A statutory looked-after review (CPPCR 2010 reg 33), with the child's participation."""

    _label = "Looked-after review"

    held_on: Mapped[date]
    participation: Mapped[str | None] = mapped_column(String(3))  # 903 REVIEW_CODE, PN0-PN7

    child: Mapped["Child"] = relationship(back_populates="reviews")  # noqa: F821


class CareProceedings(ProceedingsDays, _ChildHistory, db.Model):
    """An application for a care or supervision order, timetabled to finish within 26 weeks (CA 1989 s32)."""

    _label = "Care proceedings"

    issued_on: Mapped[date]
    court_reference: Mapped[str | None] = mapped_column(String(40))
    final_hearing_on: Mapped[date | None]  # listed or held
    concluded_on: Mapped[date | None]  # the final order, withdrawal or dismissal
    outcome: Mapped[str | None] = mapped_column(String(30))  # codes.PROCEEDINGS_OUTCOMES

    child: Mapped["Child"] = relationship(back_populates="proceedings")  # noqa: F821


class PreProceedings(PreProceedingsDays, _ChildHistory, db.Model):
    """Pre-proceedings under the Public Law Outline: legal planning decision, letter, meeting, outcome."""

    _label = "Pre-proceedings"

    decision_on: Mapped[date]  # legal planning / gateway meeting decided to enter pre-proceedings
    letter_on: Mapped[date | None]  # letter before proceedings
    meeting_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(String(30))  # codes.PRE_PROCEEDINGS_OUTCOMES

    child: Mapped["Child"] = relationship(back_populates="pre_proceedings")  # noqa: F821


class PermanencePlan(PlanDays, _ChildHistory, db.Model):
    """One route of the plan for permanence: the primary route or a parallel/contingency route.

    A plan stands from ``agreed_on`` until ``ended_on`` (superseded or achieved)."""

    _label = "Permanence plan"

    route: Mapped[str] = mapped_column(String(30))  # codes.PLAN_ROUTES (tor.vocabulary)
    kind: Mapped[str] = mapped_column(String(12))  # codes.PLAN_KINDS
    agreed_on: Mapped[date]
    agreed_at: Mapped[str] = mapped_column(String(30))  # codes.PLAN_AGREED_AT
    ended_on: Mapped[date | None]

    child: Mapped["Child"] = relationship(back_populates="plans")  # noqa: F821

    @property
    def route_label(self) -> str:
        return codes.label(codes.PLAN_ROUTES, self.route)


class ChildFlag(Span, _ChildHistory, db.Model):
    """A circumstance recorded by a worker (unaccompanied, disrupted permanent placement, ...),
    for the flags a cohort rule tests that the histories cannot derive."""

    _label = "Circumstance"

    flag: Mapped[str] = mapped_column(String(40))  # codes.FLAGS (tor.vocabulary)
    start: Mapped[date]
    end: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))

    child: Mapped["Child"] = relationship(back_populates="flags")  # noqa: F821


class KeyDate(_ChildHistory, db.Model):
    """The date a step of the child's plan happened (the agency decision maker's decision, the match,
    an SGO application, ...), recorded on the child's page: one row per occurrence of a recordable
    event of ``tor.vocabulary.EVENT_DEFINITIONS``, so a new recordable event needs no new table."""

    _label = "Key date"

    event: Mapped[str] = mapped_column(String(40))  # a recordable event name (tor.vocabulary)
    happened_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(200), default="recorded on the child's page")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    child: Mapped["Child"] = relationship(back_populates="key_dates")  # noqa: F821
    recorded_by: Mapped[User | None] = relationship()

    @property
    def event_label(self) -> str:
        return codes.RECORDABLE_EVENTS.get(self.event, self.event)


class ChildSheetNote(TenantScoped, Timestamped, db.Model):
    """A cell of a tracker spreadsheet whose column has no field on the record, kept as a note on the
    child because the user chose "Keep as a note on the child" for its heading: the heading, the text,
    and the file and day it came from. One note per child, heading and file, so a re-import of the same
    file updates it rather than adding another. Not a dated history: nothing is measured from it."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    heading: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(2000))
    file: Mapped[str] = mapped_column(String(100))
    imported_on: Mapped[date]

    child: Mapped["Child"] = relationship(back_populates="sheet_notes")  # noqa: F821

    def audit_label(self) -> str:
        return f"Spreadsheet note of child {self.child_id}"


# --- The 903's other tables (SSDA903 PlacedAdoption, AD1, PrevPerm, Missing, UASC, OC2/OC3) -----------
# Written by the 903 import only (origin ssda903), shown on the child's page; a person records the
# same decisions as key dates, which the vocabulary reads alongside these.


class AdoptionPlacementDecision(Span, _ChildHistory, db.Model):
    """The decision that the child should be placed for adoption (903 PlacedAdoption DATE_PLACED) and,
    if it was reversed, when and why (DATE_PLACED_CEASED, REASON_PLACED_CEASED)."""

    _label = "Should be placed for adoption"

    start: Mapped[date]  # DATE_PLACED
    end: Mapped[date | None]  # DATE_PLACED_CEASED
    reason_ceased: Mapped[str | None] = mapped_column(String(3))  # REASON_PLACED_CEASED, RD1-RD4

    child: Mapped["Child"] = relationship(back_populates="adoption_decisions")  # noqa: F821

    @property
    def reason_ceased_label(self) -> str:
        return codes.label(codes.REASONS_PLACED_CEASED, self.reason_ceased)


class Adoption(_ChildHistory, db.Model):
    """An adoption as the 903's AD1 table gives it: the should-be-placed (ADM) decision, the match,
    and the adopters as the return describes them (never who they are)."""

    _label = "Adoption (AD1)"

    decided_on: Mapped[date | None]  # DATE_INT: the decision that the child should be placed for adoption
    matched_on: Mapped[date | None]  # DATE_MATCH
    by_foster_carer: Mapped[bool | None] = mapped_column(Boolean)  # FOSTER_CARE 1/0
    number_of_adopters: Mapped[int | None]  # NB_ADOPTR
    adopter_sex: Mapped[str | None] = mapped_column(String(2))  # SEX_ADOPTR
    adopter_status: Mapped[str | None] = mapped_column(String(3))  # LS_ADOPTR

    child: Mapped["Child"] = relationship(back_populates="adoptions")  # noqa: F821

    @property
    def adopters_label(self) -> str:
        parts = [codes.label(codes.ADOPTER_SEXES, self.adopter_sex),
                 codes.label(codes.ADOPTER_STATUSES, self.adopter_status)]
        return "; ".join(p for p in parts if p)


class PreviousPermanence(_ChildHistory, db.Model):
    """The permanence the child had before this period of care (903 PrevPerm): a previous adoption,
    SGO or child arrangements order, the council that made it, and when (the 903 allows a partial
    date, ``zz/MM/YYYY``, so it is kept as the return gives it)."""

    _label = "Previous permanence"

    arrangement: Mapped[str] = mapped_column(String(2))  # PREV_PERM
    local_authority: Mapped[str | None] = mapped_column(String(10))  # LA_PERM
    when: Mapped[str | None] = mapped_column(String(10))  # DATE_PERM, dd/mm/yyyy with zz for what is unknown

    child: Mapped["Child"] = relationship(back_populates="previous_permanence")  # noqa: F821

    @property
    def arrangement_label(self) -> str:
        return codes.label(codes.PREVIOUS_PERMANENCE, self.arrangement)


class MissingEpisode(Span, _ChildHistory, db.Model):
    """A time the child was missing or away from placement without authorisation (903 Missing)."""

    _label = "Missing episode"

    kind: Mapped[str] = mapped_column(String(1))  # MISSING: M or A
    start: Mapped[date]  # MIS_START
    end: Mapped[date | None]  # MIS_END

    child: Mapped["Child"] = relationship(back_populates="missing_episodes")  # noqa: F821

    @property
    def kind_label(self) -> str:
        return codes.label(codes.MISSING_KINDS, self.kind)


class UnaccompaniedStatus(_ChildHistory, db.Model):
    """The date the child stopped being an unaccompanied asylum-seeking child (903 UASC DUC)."""

    _label = "Unaccompanied asylum-seeking child"

    ceased_on: Mapped[date | None]  # DUC

    child: Mapped["Child"] = relationship(back_populates="unaccompanied")  # noqa: F821


class CareOutcomes(_ChildHistory, db.Model):
    """The 903's outcomes for one child in one collection year: OC2 (looked after 12 months at 31 March:
    health, offending, substance misuse) and OC3 (care leavers: in touch, activity, accommodation), kept
    as the return's codes."""

    _label = "Outcomes (OC2/OC3)"

    year: Mapped[str] = mapped_column(String(7))  # the collection year, 2025-26
    sdq_score: Mapped[int | None]
    sdq_reason: Mapped[str | None] = mapped_column(String(4))
    convicted: Mapped[bool | None] = mapped_column(Boolean)
    health_check: Mapped[bool | None] = mapped_column(Boolean)
    immunisations: Mapped[bool | None] = mapped_column(Boolean)
    teeth_check: Mapped[bool | None] = mapped_column(Boolean)
    health_assessment: Mapped[bool | None] = mapped_column(Boolean)
    substance_misuse: Mapped[bool | None] = mapped_column(Boolean)
    intervention_received: Mapped[bool | None] = mapped_column(Boolean)
    intervention_offered: Mapped[bool | None] = mapped_column(Boolean)
    in_touch: Mapped[str | None] = mapped_column(String(4))  # OC3 IN_TOUCH
    activity: Mapped[str | None] = mapped_column(String(2))  # OC3 ACTIV
    accommodation: Mapped[str | None] = mapped_column(String(2))  # OC3 ACCOM

    child: Mapped["Child"] = relationship(back_populates="outcomes")  # noqa: F821
