"""The child's record.

Allocation (team, social worker, team manager, IRO) lives on the child because the
object rules in ``accounts.permissions`` decide visibility from it.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Team, User
from ...core.db import TenantScoped, Timestamped
from ...extensions import db


def _history(model: str, date_column: str):
    return relationship(model, back_populates="child", cascade="all, delete-orphan", passive_deletes=True,
                        order_by=f"({model}.{date_column}, {model}.id)")


class SiblingGroup(TenantScoped, Timestamped, db.Model):
    """Brothers and sisters considered together (one agenda item, consolidated reports)."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    children: Mapped[list["Child"]] = relationship(back_populates="sibling_group")

    def audit_label(self) -> str:
        return f"Sibling group {self.name}"


class ChildDays:
    """What the child's own columns say of a day, shared by ``Child`` and the plain record the nightly
    recompute reads (``cases.records``): behaviour only, no slots of its own."""

    __slots__ = ()

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class Child(ChildDays, TenantScoped, Timestamped, db.Model):
    __table_args__ = (UniqueConstraint("tenant_id", "case_number"),)
    __audit__ = True
    __audit_reads__ = True
    __audit_reads_plural__ = "children"  # "Read 12 children: /council-a/tracker/"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40))  # the council's case-system id (903 CHILD)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    expected_date_of_birth: Mapped[date | None]  # pre-birth planning
    sex: Mapped[str | None] = mapped_column(String(1))  # 903 SEX: M, F, U
    ethnicity: Mapped[str | None] = mapped_column(String(4))  # 903 ETHNIC code
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    team_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    iro_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    sibling_group_id: Mapped[int | None] = mapped_column(ForeignKey("sibling_group.id", ondelete="SET NULL"))

    team: Mapped[Team | None] = relationship()
    social_worker: Mapped[User | None] = relationship(foreign_keys=[social_worker_id])
    team_manager: Mapped[User | None] = relationship(foreign_keys=[team_manager_id])
    iro: Mapped[User | None] = relationship(foreign_keys=[iro_id])
    sibling_group: Mapped[SiblingGroup | None] = relationship(back_populates="children")

    # Histories, oldest first (models.history); deleted with the child.
    care_periods: Mapped[list["CarePeriod"]] = _history("CarePeriod", "start")  # noqa: F821
    legal_statuses: Mapped[list["LegalStatus"]] = _history("LegalStatus", "start")  # noqa: F821
    placements: Mapped[list["Placement"]] = _history("Placement", "start")  # noqa: F821
    reviews: Mapped[list["Review"]] = _history("Review", "held_on")  # noqa: F821
    proceedings: Mapped[list["CareProceedings"]] = _history("CareProceedings", "issued_on")  # noqa: F821
    pre_proceedings: Mapped[list["PreProceedings"]] = _history("PreProceedings", "decision_on")  # noqa: F821
    plans: Mapped[list["PermanencePlan"]] = _history("PermanencePlan", "agreed_on")  # noqa: F821
    flags: Mapped[list["ChildFlag"]] = _history("ChildFlag", "start")  # noqa: F821
    key_dates: Mapped[list["KeyDate"]] = _history("KeyDate", "happened_on")  # noqa: F821
    sheet_notes: Mapped[list["ChildSheetNote"]] = _history("ChildSheetNote", "heading")  # noqa: F821
    # The 903's other tables (imported only).
    adoption_decisions: Mapped[list["AdoptionPlacementDecision"]] = _history(  # noqa: F821
        "AdoptionPlacementDecision", "start")
    adoptions: Mapped[list["Adoption"]] = _history("Adoption", "id")  # noqa: F821
    previous_permanence: Mapped[list["PreviousPermanence"]] = _history("PreviousPermanence", "id")  # noqa: F821
    missing_episodes: Mapped[list["MissingEpisode"]] = _history("MissingEpisode", "start")  # noqa: F821
    unaccompanied: Mapped[list["UnaccompaniedStatus"]] = _history("UnaccompaniedStatus", "id")  # noqa: F821
    outcomes: Mapped[list["CareOutcomes"]] = _history("CareOutcomes", "year")  # noqa: F821

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def reference(self) -> str:
        """"A.D. (DEMO-0001)": how the child is named in anything that leaves the platform (e-mail,
        calendars), never the full name."""
        letters = "".join(f"{n[0].upper()}." for n in (self.first_name, self.last_name) if n)
        return f"{letters} ({self.case_number})"

    def audit_label(self) -> str:
        return f"Child {self.case_number}"


def child_reference(children) -> str:
    """"A.D. (REM-1), B.D. (REM-2)": the children as anything that leaves the platform names them."""
    return ", ".join(child.reference for child in children)


_WORDS = re.compile(r"[^\s,;:()\[\]\"'“”]+")


def children_named_in(texts) -> list[Child]:
    """The children whose case numbers the texts quote (minutes, an import's report): a page that
    shows such a text names them without loading them, and its read must say so."""
    words = sorted({w.rstrip(".") for text in texts for w in _WORDS.findall(text or "")} - {""})
    found: list[Child] = []
    for start in range(0, len(words), 500):
        found += db.session.execute(select(Child).where(Child.case_number.in_(words[start:start + 500]))).scalars()
    return found
