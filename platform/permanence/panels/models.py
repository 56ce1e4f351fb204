"""Panel meetings: the sittings of each panel, generated from the terms of reference's cadence."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Team, User
from ..cases.models import Child, SiblingGroup, child_reference, children_named_in
from ..core.db import TenantScoped, Timestamped
from ..extensions import db
from ..tor.versions import TorVersion


class MeetingStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Meeting(TenantScoped, Timestamped, db.Model):
    """One sitting of a panel body, under the terms of reference version it was scheduled by.

    ``sitting_date`` is the cadence date a generated meeting stands for (None for one added
    by hand); it never changes, so a moved or cancelled sitting is never generated again.
    """

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "body_id", "sitting_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100))
    tor_version_id: Mapped[int] = mapped_column(ForeignKey("tor_version.id", ondelete="RESTRICT"), index=True)
    sitting_date: Mapped[dt.date | None]
    date: Mapped[dt.date] = mapped_column(index=True)
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    venue: Mapped[str] = mapped_column(String(500), default="")
    online_link: Mapped[str | None] = mapped_column(String(500))  # https://, set by the panel administrator
    status: Mapped[MeetingStatus] = mapped_column(
        db.Enum(MeetingStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=MeetingStatus.SCHEDULED,
    )
    added_by_hand: Mapped[bool] = mapped_column(default=False)
    moved_from: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(String(1000), default="")

    # The agenda is published (members and presenters told) at this time; None while it is being built.
    agenda_published_at: Mapped[dt.datetime | None]
    agenda_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    quorate: Mapped[bool | None]  # recorded when attendance is taken: quorate in every agenda part
    quorate_parts: Mapped[dict | None] = mapped_column(db.JSON)  # {part id: quorate} for the parts with items

    tor_version: Mapped[TorVersion] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(back_populates="meeting",
                                                    order_by="(AgendaItem.position, AgendaItem.id)")
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="meeting", order_by="Attendance.id")
    declarations: Mapped[list["Declaration"]] = relationship(back_populates="meeting", order_by="Declaration.id")
    minutes: Mapped["Minutes | None"] = relationship(back_populates="meeting", uselist=False)

    @property
    def cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def audit_label(self) -> str:
        return f"Meeting of {self.body_id} on {self.date.isoformat()} ({self.status.value})"


def _enum(enum_cls, length=20):
    return db.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class PanelMember(TenantScoped, Timestamped, db.Model):
    """A person's seat on one body: who is invited, who counts for quorum, whose papers open."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "body_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(100))  # the ToR role id of the seat (chair, iro, ...)
    title: Mapped[str] = mapped_column(String(200), default="")  # the council's own job title
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"Seat {self.title or self.role} on {self.body_id}"


class ItemStatus(str, enum.Enum):
    """Where an agenda item is on its way from a referral (or a proposal) to a decision."""

    PROPOSED = "proposed"          # a cohort rule or the previous meeting put the child forward
    DRAFT = "draft"                # a social worker is writing the referral
    AWAITING_QA = "awaiting_qa"    # sent to the team manager for quality assurance
    RETURNED = "returned"          # the team manager sent it back with comments
    SUBMITTED = "submitted"        # submitted to the panel administrator
    LATE_PENDING = "late_pending"  # submitted after the deadline; the chair decides
    BOOKED = "booked"              # on the agenda
    HEARD = "heard"                # the meeting considered it
    DEFERRED = "deferred"          # carried to a later meeting
    NOT_HEARD = "not_heard"        # on the agenda but not reached or not heard; proposed again
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"          # refused (late, or not accepted by the chair)
    DISMISSED = "dismissed"        # a proposal the administrator did not take

    @property
    def label(self) -> str:
        """The status as a page says it ("Not heard", "Awaiting quality assurance")."""
        return ITEM_STATUS_LABELS[self]


# Items that are (or were) on a sitting's agenda: booked, and what the meeting made of them.
ON_THE_AGENDA = (ItemStatus.BOOKED, ItemStatus.HEARD, ItemStatus.DEFERRED, ItemStatus.NOT_HEARD)

ITEM_STATUS_LABELS = {
    ItemStatus.PROPOSED: "Proposed", ItemStatus.DRAFT: "Draft", ItemStatus.AWAITING_QA: "Awaiting quality assurance",
    ItemStatus.RETURNED: "Returned with comments", ItemStatus.SUBMITTED: "Submitted to the panel",
    ItemStatus.LATE_PENDING: "Late: waiting for the chair", ItemStatus.BOOKED: "Booked", ItemStatus.HEARD: "Heard",
    ItemStatus.DEFERRED: "Deferred", ItemStatus.NOT_HEARD: "Not heard", ItemStatus.WITHDRAWN: "Withdrawn",
    ItemStatus.DECLINED: "Declined", ItemStatus.DISMISSED: "Dismissed",
}


REQUEST_ROUTE = "request"  # the entry route of a request (an agenda part with ``items: requests``)


class AgendaItem(TenantScoped, Timestamped, db.Model):
    """One child (or a sibling group, as one item) before one meeting in one agenda part; or, in a
    part whose items are requests, one request (``answers`` holds what it asks; ``child`` the child it
    is for, if any).

    A referral is an agenda item before it is booked; a cohort rule's proposal is one too.
    The meeting's record of the item (notes, outcome, decision) is kept on the item, so the
    decision record and the minutes are assembled from here.
    """

    __audit__ = True
    __audit_reads_through__ = "children"  # an item shows its children: reading it is reading them

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="RESTRICT"), index=True)
    part_id: Mapped[str] = mapped_column(String(100))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="RESTRICT"), index=True)
    sibling_group_id: Mapped[int | None] = mapped_column(ForeignKey("sibling_group.id", ondelete="RESTRICT"),
                                                         index=True)
    entry_route: Mapped[str] = mapped_column(String(40), default="referral")
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus), default=ItemStatus.DRAFT, index=True)
    answers: Mapped[dict] = mapped_column(db.JSON, default=dict)  # the ToR's referral form fields
    reason: Mapped[str] = mapped_column(db.Text, default="")  # why the child is brought / proposed
    # Which rule or extract proposed the child ("Cohort rule of part 'scrutiny': ...", "Power BI extract
    # x.csv, row 3"); empty for a referral.
    proposal_source: Mapped[str] = mapped_column(db.Text, default="")
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    referred_at: Mapped[datetime | None]
    quality_assured_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    quality_assured_at: Mapped[datetime | None]
    # The person asked to quality-assure it (the child's team manager, the ToR's fallback, or whom the
    # panel administrator chose); they may see the item and quality-assure it.
    qa_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    qa_comments: Mapped[str] = mapped_column(db.Text, default="")
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    late_reason: Mapped[str] = mapped_column(db.Text, default="")
    late_ruling: Mapped[str] = mapped_column(db.Text, default="")  # the chair's word on a late referral
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    # The agenda.
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None]
    minutes_allowed: Mapped[int | None]
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    second_presenter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The meeting's record of the item.
    discussion: Mapped[str] = mapped_column(db.Text, default="")
    care_plan_confirmed: Mapped[bool | None]
    legal_status_confirmed: Mapped[bool | None]
    outcome_id: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(db.Text, default="")
    # The conditions of an outcome the ToR says needs them (``needs_conditions``: "agreed with conditions").
    conditions: Mapped[str] = mapped_column(db.Text, default="")
    # A request's amount agreed, in pounds (may differ from the amount asked); None for a child's item.
    amount_agreed: Mapped[Decimal | None] = mapped_column(db.Numeric(12, 2))
    next_review_on: Mapped[date | None]
    escalate: Mapped[bool] = mapped_column(default=False)
    escalation_reason: Mapped[str] = mapped_column(db.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None]
    sign_off_role: Mapped[str | None] = mapped_column(String(100))  # a named decision maker must agree
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    signed_off_at: Mapped[datetime | None]
    sign_off_note: Mapped[str] = mapped_column(db.Text, default="")
    sign_off_agreed: Mapped[bool | None]  # the decision maker agreed (True) or did not (False); None while awaited
    # The ToR's practice themes the record tags the item with (ids), counted in the panel reports.
    practice_themes: Mapped[list] = mapped_column(db.JSON, default=list, server_default=text("'[]'"))

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    child: Mapped[Child | None] = relationship()
    sibling_group: Mapped[SiblingGroup | None] = relationship()
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    quality_assured_by: Mapped[User | None] = relationship(foreign_keys=[quality_assured_by_id])
    qa_assignee: Mapped[User | None] = relationship(foreign_keys=[qa_assignee_id])
    presenter: Mapped[User | None] = relationship(foreign_keys=[presenter_id])
    second_presenter: Mapped[User | None] = relationship(foreign_keys=[second_presenter_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    actions: Mapped[list["Action"]] = relationship(back_populates="agenda_item", order_by="Action.id")

    @property
    def children(self) -> list[Child]:
        if self.sibling_group is not None:
            return sorted(self.sibling_group.children, key=lambda c: (c.date_of_birth or date.min, c.id))
        return [self.child] if self.child is not None else []

    @property
    def is_request(self) -> bool:
        """A request the body decides (a funding request), perhaps about a child, not a child's case."""
        return self.entry_route == REQUEST_ROUTE

    @property
    def subject_reference(self) -> str:
        """The item's children as e-mails and calendars name them: initials and case numbers. A
        request is named by its number alone, so no e-mail about it carries a child's details."""
        if self.is_request:
            return f"request {self.id}"
        return child_reference(self.children) or f"item {self.id}"

    @property
    def subject_name(self) -> str:
        if self.is_request:
            return f"Request {self.id}" + (f" for {self.child.name}" if self.child is not None else "")
        if self.sibling_group is not None:
            return f"{self.sibling_group.name} ({', '.join(c.first_name for c in self.children)})"
        return self.child.name if self.child else ""

    def audit_label(self) -> str:
        return f"Agenda item {self.id} ({self.status.value}) for meeting {self.meeting_id}"


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    REPRESENTED = "represented"
    ABSENT = "absent"
    NOT_REQUIRED = "not_required"  # the seat does not sit for the part (or for any part with items)


class Attendance(TenantScoped, Timestamped, db.Model):
    """Who was at a meeting, in which seat; a member may send a representative.

    ``status`` holds for every agenda part the seat sits for; ``parts`` records a part where it was
    different ({part id: status}: left before part 4, attended a part they are not required for).
    A part the seat does not sit for is "not required" unless ``parts`` says otherwise."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), default="")  # a guest or partner with no account
    role: Mapped[str] = mapped_column(String(100), default="")  # ToR role id of the seat
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus), default=AttendanceStatus.PRESENT)
    represented_by: Mapped[str] = mapped_column(String(200), default="")
    parts: Mapped[dict | None] = mapped_column(db.JSON)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"Attendance at meeting {self.meeting_id}: {self.name or self.user_id} {self.status.value}"


class Ruling(str, enum.Enum):
    """The chair's ruling on a declared interest."""

    PENDING = "pending"
    TAKE_PART = "take_part"
    OBSERVE = "observe"
    LEAVE = "leave"


class Declaration(TenantScoped, Timestamped, db.Model):
    """A declaration of interest, for the whole meeting or for one item, and the chair's ruling."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    interest: Mapped[str] = mapped_column(db.Text)
    ruling: Mapped[Ruling] = mapped_column(_enum(Ruling), default=Ruling.PENDING)
    ruled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ruled_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="declarations")
    agenda_item: Mapped[AgendaItem | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    ruled_by: Mapped[User | None] = relationship(foreign_keys=[ruled_by_id])

    def audit_label(self) -> str:
        return f"Declaration of interest by user {self.user_id} at meeting {self.meeting_id} ({self.ruling.value})"


class ActionStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Action(TenantScoped, Timestamped, db.Model):
    """A SMART action agreed about a child: what, who, by when. Open ones come back on the child's next item."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(db.Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus), default=ActionStatus.OPEN, index=True)
    progress: Mapped[str] = mapped_column(db.Text, default="")
    completed_on: Mapped[date | None]

    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="actions")
    child: Mapped[Child | None] = relationship()
    owner: Mapped[User | None] = relationship()

    def overdue_on(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < today

    def audit_label(self) -> str:
        return f"Action {self.id} ({self.status.value}) due {self.due_on.isoformat()}"


class MinutesStatus(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    CIRCULATED = "circulated"


class Minutes(TenantScoped, Timestamped, db.Model):
    """The minutes of a meeting. ``revision`` is SQLAlchemy's version counter: a save based on an
    older revision is refused as a conflict, so no one's edit is silently overwritten."""

    __audit__ = True
    __audit_reads_through__ = "children"  # the text names them and loads none: reading it is reading them
    __table_args__ = (UniqueConstraint("tenant_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(db.Text, default="")
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[MinutesStatus] = mapped_column(_enum(MinutesStatus), default=MinutesStatus.DRAFT)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    circulated_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __mapper_args__ = {"version_id_col": revision}

    @property
    def children(self) -> list[Child]:
        """The children the minutes name: every item is headed with its children's case numbers, and
        a hand edit keeps them, so the case numbers in the text say who they are."""
        return children_named_in([self.text])

    def audit_label(self) -> str:
        return f"Minutes of meeting {self.meeting_id} ({self.status.value}, revision {self.revision})"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class TrackingSlot(TenantScoped, Timestamped, db.Model):
    """A day of the week and a time when a team's children's tracking meetings of one body are held,
    as agreed for the team (the ToR's ``meeting_days``): from ``starts`` to ``ends``, meetings of
    ``minutes_each`` minutes one after another, so ``capacity`` children a week."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "team_id", "body_id", "weekday", "starts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[str] = mapped_column(String(100))
    weekday: Mapped[int]  # 0 Monday ... 4 Friday
    starts: Mapped[dt.time]  # London time
    ends: Mapped[dt.time]
    minutes_each: Mapped[int]
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    agreed_by: Mapped[User | None] = relationship()

    @property
    def capacity(self) -> int:
        """How many meetings fit one after another between ``starts`` and ``ends``."""
        minutes = (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)
        return max(0, minutes // self.minutes_each) if self.minutes_each else 0

    @property
    def label(self) -> str:
        count = self.capacity
        return (f"{WEEKDAYS[self.weekday]}s {self.starts:%H:%M} to {self.ends:%H:%M}, "
                f"{count} meeting{'' if count == 1 else 's'} of {self.minutes_each} minutes")

    def audit_label(self) -> str:
        return f"Tracking meetings of team {self.team_id} ({self.body_id}): {self.label}"


class UrgentDecision(TenantScoped, Timestamped, db.Model):
    """A decision for one child made between sittings by a role the body's ``decisions_between_sittings``
    names, because it could not wait: it takes effect as the outcome would at a sitting, and is reported
    to the body's next sitting (its agenda and minutes) when the ToR says so."""

    __audit__ = True
    __audit_reads_through__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100), index=True)
    tor_version_id: Mapped[int] = mapped_column(ForeignKey("tor_version.id", ondelete="RESTRICT"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="RESTRICT"), index=True)
    role_id: Mapped[str] = mapped_column(String(100))  # the ToR role the decider acted as
    outcome_id: Mapped[str] = mapped_column(String(100))
    outcome_label: Mapped[str] = mapped_column(String(500), default="")
    decision: Mapped[str] = mapped_column(db.Text, default="")
    why_urgent: Mapped[str] = mapped_column(db.Text, default="")  # why it could not wait for the next sitting
    decided_on: Mapped[date] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reported_to_next_sitting: Mapped[bool] = mapped_column(default=True)

    tor_version: Mapped[TorVersion] = relationship()
    child: Mapped[Child] = relationship()
    decided_by: Mapped[User | None] = relationship()

    # What an outcome does next (``panels.tracking.outcome_follows``) takes a subject like an agenda item.
    sibling_group_id = None

    @property
    def children(self) -> list[Child]:
        return [self.child] if self.child is not None else []

    def audit_label(self) -> str:
        return f"Decision between sittings {self.id} ({self.body_id}, {self.outcome_id}) on {self.decided_on}"


class ReviewResult(str, enum.Enum):
    PENDING = "pending"
    UPHELD = "upheld"
    CHANGED = "changed"
    REFERRED = "referred"

    @property
    def label(self) -> str:
        return {"pending": "Awaiting a decision", "upheld": "Upheld", "changed": "Changed",
                "referred": "Referred to the next sitting"}[self.value]


class DecisionReview(TenantScoped, Timestamped, db.Model):
    """A request to review a decision (a heard item's or one made between sittings), asked by a role the
    body's ``decision_review`` names before its deadline, and what the deciding role made of it."""

    __audit__ = True
    __audit_reads_through__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="RESTRICT"), index=True)
    urgent_decision_id: Mapped[int | None] = mapped_column(ForeignKey("urgent_decision.id", ondelete="RESTRICT"),
                                                           index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="RESTRICT"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    asked_as: Mapped[str] = mapped_column(String(100))  # the ToR role the person asked as
    asked_on: Mapped[date]
    deadline: Mapped[date]
    reasons: Mapped[str] = mapped_column(db.Text, default="")
    result: Mapped[ReviewResult] = mapped_column(_enum(ReviewResult), default=ReviewResult.PENDING, index=True)
    new_outcome_id: Mapped[str | None] = mapped_column(String(100))
    new_decision: Mapped[str] = mapped_column(db.Text, default="")
    result_note: Mapped[str] = mapped_column(db.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_on: Mapped[date | None]

    agenda_item: Mapped[AgendaItem | None] = relationship()
    urgent_decision: Mapped[UrgentDecision | None] = relationship()
    child: Mapped[Child] = relationship()
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def children(self) -> list[Child]:
        return [self.child] if self.child is not None else []

    def audit_label(self) -> str:
        return f"Review request {self.id} ({self.result.value}) of the {self.body_id}'s decision"
