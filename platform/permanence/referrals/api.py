"""Referrals through the JSON API, with the same permissions and object rules as the pages:
refer, change, send for quality assurance, return, submit (late policy), choose who
quality-assures, the chair's ruling, book, decline, withdraw; a meeting's proposals, accept and
dismiss."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.permissions import load_or_404, require, visible
from ..cases.models import Child, SiblingGroup
from ..core.db import get_or_404
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from . import decisions, proposals, services
from .rules import NotAllowed, ReferralError
from .schemas import (CommentsSchema, CreateReferralSchema, LateRulingSchema, NoBodySchema, QualityAssurerSchema,
                      ReasonSchema, ReassignSchema, ReferralQuerySchema, ReferralSchema, SubmitSchema,
                      UpdateReferralSchema)

blp = Blueprint("referrals_api", __name__, description="Referrals and proposals of children to panel meetings")


def _act(change):
    """A service step: NotAllowed is 403, a wrong state 409, anything else wrong 422 naming the field."""
    try:
        return change()
    except NotAllowed as exc:
        abort(403, message=str(exc))
    except ReferralError as exc:
        if exc.field == "status":
            abort(409, message=exc.message)
        errors = {k: [v] for k, v in exc.errors.items() if not k.startswith("answers.")}
        answers = {k.split(".", 1)[1]: [v] for k, v in exc.errors.items() if k.startswith("answers.")}
        if answers:
            errors["answers"] = answers
        abort(422, errors={"json": errors}, message=exc.message)


def _item(agenda_item_id: int) -> AgendaItem:
    return load_or_404(AgendaItem, agenda_item_id)  # audits the read of the children it shows


@blp.route("/referrals")
class ReferralsView(MethodView):
    @require("panels.view")
    @blp.arguments(ReferralQuerySchema, location="query")
    @blp.response(200, ReferralSchema(many=True))
    def get(self, args, tenant_slug):
        """Referrals and proposals the token's user may see, by meeting and status."""
        stmt = visible(select(AgendaItem), AgendaItem)
        if args.get("meeting_id"):
            stmt = stmt.where(AgendaItem.meeting_id == args["meeting_id"])
        if args.get("status"):
            stmt = stmt.where(AgendaItem.status == ItemStatus(args["status"]))
        return db.session.execute(stmt.order_by(AgendaItem.id)).scalars().all()

    @require("referrals.create")
    @blp.arguments(CreateReferralSchema)
    @blp.response(201, ReferralSchema)
    def post(self, data, tenant_slug):
        """Refer a child (``child_id``) or a sibling group as one item (``sibling_group_id``) to a
        meeting's agenda part, answering the ToR's referral form: a draft."""
        child = load_or_404(Child, data["child_id"]) if "child_id" in data else None
        group = get_or_404(SiblingGroup, data["sibling_group_id"]) if "sibling_group_id" in data else None
        meeting = services.meeting_or_none(data["meeting_id"])
        if meeting is None:
            abort(422, errors={"json": {"meeting_id": ["No such meeting"]}})
        return _act(lambda: services.start_referral(meeting, data["part_id"], child=child, sibling_group=group,
                                                    answers=data["answers"], reason=data["reason"], by=g.api_user))


@blp.route("/referrals/<int:agenda_item_id>")
class ReferralView(MethodView):
    @require("panels.view")
    @blp.response(200, ReferralSchema)
    def get(self, tenant_slug, agenda_item_id):
        """One referral (the read of its children is audited)."""
        return _item(agenda_item_id)

    @require("referrals.create")
    @blp.arguments(UpdateReferralSchema)
    @blp.response(200, ReferralSchema)
    def patch(self, data, tenant_slug, agenda_item_id):
        """Change a draft or returned referral: answers (the whole form), reason, or the meeting (same panel)."""
        item = _item(agenda_item_id)
        meeting = None
        if "meeting_id" in data:
            meeting = services.meeting_or_none(data["meeting_id"])
            if meeting is None:
                abort(422, errors={"json": {"meeting_id": ["No such meeting"]}})
        return _act(lambda: services.update_referral(item, answers=data.get("answers"), reason=data.get("reason"),
                                                     meeting=meeting, by=g.api_user))


def _step(rule: str, path: str, schema, doc: str, call):
    """One POST action on a referral, declared with its permission like the page's button."""

    @require(rule)
    @blp.arguments(schema)
    @blp.response(200, ReferralSchema)
    def post(self, data, tenant_slug, agenda_item_id):
        item = _item(agenda_item_id)
        return _act(lambda: call(item, data))

    post.__doc__ = doc
    view = type(f"Referral{path.title().replace('-', '')}View", (MethodView,), {"post": post})
    blp.route(f"/referrals/<int:agenda_item_id>/{path}")(view)


_step("referrals.create", "send-for-qa", NoBodySchema, "Send a draft or returned referral for quality assurance.",
      lambda item, d: services.send_for_quality_assurance(item, by=g.api_user))
_step("referrals.quality_assure", "return", CommentsSchema, "Return the referral to the referrer with comments.",
      lambda item, d: services.return_referral(item, d["comments"], by=g.api_user))
_step("referrals.create", "submit", SubmitSchema,
      "Submit to the panel; after the deadline the ToR's late policy applies (give late_reason).",
      lambda item, d: services.submit(item, by=g.api_user, comments=d["comments"], late_reason=d["late_reason"]))
_step("referrals.quality_assure", "assure", SubmitSchema,
      "Quality-assured: submit the referral to the panel (the team manager, or whoever was asked).",
      lambda item, d: services.submit(item, by=g.api_user, comments=d["comments"], late_reason=d["late_reason"]))
_step("panels.manage", "quality-assurer", ReassignSchema,
      "Ask another person who may quality-assure the referral (see quality-assurers) to do so; they are e-mailed.",
      lambda item, d: services.reassign_quality_assurance(item, d["user_id"], d["reason"], by=g.api_user))
_step("panels.manage", "late-ruling", LateRulingSchema, "The chair accepts or declines a late referral.",
      lambda item, d: decisions.rule_on_late(item, d["accept"], d["ruling"], by=g.api_user))
_step("panels.manage", "book", NoBodySchema, "Book a submitted referral on the agenda (a proposal: see accept).",
      lambda item, d: decisions.book(item, by=g.api_user))
_step("panels.manage", "accept", NoBodySchema,
      "Accept a proposal: it is booked on the agenda, or, where the ToR says accepted proposals are completed as "
      "referrals, it becomes a draft referral of the child's social worker (status draft).",
      lambda item, d: decisions.accept_proposal(item, by=g.api_user))
_step("panels.manage", "decline", ReasonSchema, "Decline a submitted or late referral, with a reason.",
      lambda item, d: decisions.decline(item, d["reason"], by=g.api_user))
_step("panels.manage", "dismiss", ReasonSchema, "Dismiss a proposal, with a reason.",
      lambda item, d: decisions.dismiss(item, d["reason"], by=g.api_user))
_step("referrals.create", "withdraw", ReasonSchema, "Withdraw an open referral.",
      lambda item, d: services.withdraw(item, d["reason"], by=g.api_user))


@blp.route("/referrals/<int:agenda_item_id>/quality-assurers")
class QualityAssurersView(MethodView):
    @require("panels.manage")
    @blp.response(200, QualityAssurerSchema(many=True))
    def get(self, tenant_slug, agenda_item_id):
        """The people who may be asked to quality-assure the referral (the ToR's role and its fallback)."""
        item = _item(agenda_item_id)
        return [{"id": u.id, "name": u.name, "asked": u.id == item.qa_assignee_id}
                for u in services.quality_assurers(item)]


@blp.route("/meetings/<int:meeting_id>/proposals")
class ProposalsView(MethodView):
    @require("panels.manage")
    @blp.response(200, ReferralSchema(many=True))
    def get(self, tenant_slug, meeting_id):
        """The meeting's proposals waiting for the panel administrator."""
        return proposals.proposals_of(get_or_404(Meeting, meeting_id))


@blp.route("/meetings/<int:meeting_id>/proposals/refresh")
class RefreshProposalsView(MethodView):
    @require("panels.manage")
    @blp.response(200, ReferralSchema(many=True))
    def post(self, tenant_slug, meeting_id):
        """Propose the children the cohort rules (and the council's plugins) select now; returns the new
        proposals only. A plugin's unusable data (say an extract row naming an unknown part) is a 422
        naming the file, row and value, and nothing is proposed."""
        problems: list[str] = []
        created = proposals.propose_for_meeting(get_or_404(Meeting, meeting_id), problems=problems)
        if problems:
            abort(422, errors={"json": {"proposals": problems}}, message="; ".join(problems))
        return created
