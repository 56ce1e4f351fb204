"""Marshmallow schemas for children: one to read, one to write."""

from marshmallow import Schema, fields, validate

from ..core.schemas import Int, UpdateSchema


class ChildSchema(Schema):
    """A child as the API shows it."""

    id = Int(dump_only=True)
    case_number = fields.Str()
    first_name = fields.Str()
    last_name = fields.Str()
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    sex = fields.Str(allow_none=True)
    ethnicity = fields.Str(allow_none=True)
    # Allocation and the sibling group come from the imports; PATCH does not change them.
    team_id = Int(allow_none=True, dump_only=True)
    social_worker_id = Int(allow_none=True, dump_only=True)
    team_manager_id = Int(allow_none=True, dump_only=True)
    iro_id = Int(allow_none=True, dump_only=True)
    sibling_group_id = Int(allow_none=True, dump_only=True)


class ChildUpdateSchema(UpdateSchema):
    """Fields a member may change on a child's record (the record as GET shows it is accepted; its
    read-only fields are ignored)."""

    resource_schema = ChildSchema

    case_number = fields.Str(validate=validate.Length(min=1, max=40))
    first_name = fields.Str(validate=validate.Length(min=1, max=100))
    last_name = fields.Str(validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    sex = fields.Str(allow_none=True, validate=validate.OneOf(["M", "F", "U"]))
    ethnicity = fields.Str(allow_none=True, validate=validate.Length(max=4))


class ChildQuerySchema(Schema):
    q = fields.Str(validate=validate.Length(max=100))
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=50, validate=validate.Range(min=1, max=200))


# --- Histories (read only for now; the import and the demo write them) -------------------------

class _HistorySchema(Schema):
    id = Int(dump_only=True)
    imported = fields.Bool(dump_only=True, metadata={"description": "Written by an import (SSDA903 or tracker)"})
    origin = fields.Str(dump_only=True, metadata={
        "description": "Where the row came from: ui (a person in the app), api, ssda903 or tracker"})
    origin_detail = fields.Str(dump_only=True, allow_none=True, metadata={
        "description": "The SSDA903 return's year, the tracker file or the API token's name"})


class CarePeriodSchema(_HistorySchema):
    """A period of being looked after."""

    start = fields.Date()
    end = fields.Date(allow_none=True)
    category_of_need = fields.Str(allow_none=True, metadata={"description": "903 CIN, N1-N8"})
    reason_ceased = fields.Str(allow_none=True, metadata={"description": "903 REC of the period's last episode"})


class LegalStatusCreateSchema(Schema):
    """A change of legal status from a date (the current status ends that day). Both fields are required;
    the service checks them after the child is found, so another council's child is a 404 whatever is sent."""

    code = fields.Str(metadata={"description": "903 LS, e.g. C1, C2, E1, V2"})
    start = fields.Date()
    s20_entry = fields.Str(allow_none=True, metadata={"description": "For V2: emergency or planned"})


class LegalStatusSchema(_HistorySchema):
    """An SSDA903 legal status held from start until end (exclusive)."""

    code = fields.Str(metadata={"description": "903 LS, e.g. C1, C2, E1, V2"})
    label = fields.Str(attribute="code_label", dump_only=True)
    start = fields.Date()
    end = fields.Date(allow_none=True)
    s20_entry = fields.Str(allow_none=True, metadata={"description": "For V2: how it began, emergency or planned"})


class PlacementSchema(_HistorySchema):
    """A placement: type, provider, dates, reason it ended, and whether it is approved as permanent."""

    place = fields.Str(metadata={"description": "903 PLACE, e.g. U4, P1, K2"})
    label = fields.Str(attribute="place_label", dump_only=True)
    provider = fields.Str(allow_none=True, metadata={"description": "903 PLACE_PROVIDER, PR0-PR5"})
    start = fields.Date()
    end = fields.Date(allow_none=True)
    reason_for_change = fields.Str(allow_none=True)
    urn = fields.Str(allow_none=True)
    approved_as_permanent = fields.Bool()
    approved_permanent_on = fields.Date(allow_none=True)


class ReviewSchema(_HistorySchema):
    """A statutory looked-after review."""

    held_on = fields.Date()
    participation = fields.Str(allow_none=True, metadata={"description": "903 REVIEW_CODE, PN0-PN7"})


class CareProceedingsSchema(_HistorySchema):
    """Care proceedings, with the week-26 date (CA 1989 s32) derived from the issue date."""

    issued_on = fields.Date()
    week_26 = fields.Date(dump_only=True)
    court_reference = fields.Str(allow_none=True)
    final_hearing_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    outcome = fields.Str(allow_none=True)


class PreProceedingsSchema(_HistorySchema):
    """Pre-proceedings under the Public Law Outline."""

    decision_on = fields.Date()
    letter_on = fields.Date(allow_none=True)
    meeting_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    outcome = fields.Str(allow_none=True)


class PermanencePlanSchema(_HistorySchema):
    """One route of the permanence plan: primary, parallel or contingency."""

    route = fields.Str(metadata={"description": "Plan route id from the terms-of-reference vocabulary"})
    kind = fields.Str()
    agreed_on = fields.Date()
    agreed_at = fields.Str()
    ended_on = fields.Date(allow_none=True)


class ChildFlagSchema(_HistorySchema):
    """A recorded circumstance (unaccompanied, disrupted permanent placement, ...)."""

    flag = fields.Str()
    start = fields.Date()
    end = fields.Date(allow_none=True)


class KeyDateSchema(_HistorySchema):
    """A key date recorded on the child's page (the agency decision maker's decision, the match, ...)."""

    event = fields.Str()
    happened_on = fields.Date()
    note = fields.Str(allow_none=True)
    source = fields.Str()


class AdoptionPlacementDecisionSchema(_HistorySchema):
    """The decision that the child should be placed for adoption (903 PlacedAdoption), and its reversal."""

    start = fields.Date(metadata={"description": "903 DATE_PLACED"})
    end = fields.Date(allow_none=True, metadata={"description": "903 DATE_PLACED_CEASED"})
    reason_ceased = fields.Str(allow_none=True, metadata={"description": "903 REASON_PLACED_CEASED, RD1-RD4"})


class AdoptionSchema(_HistorySchema):
    """An adoption as the 903's AD1 table gives it (the adopters described, never named)."""

    decided_on = fields.Date(allow_none=True, metadata={"description": "903 DATE_INT"})
    matched_on = fields.Date(allow_none=True, metadata={"description": "903 DATE_MATCH"})
    by_foster_carer = fields.Bool(allow_none=True, metadata={"description": "903 FOSTER_CARE"})
    number_of_adopters = Int(allow_none=True, metadata={"description": "903 NB_ADOPTR"})
    adopter_sex = fields.Str(allow_none=True, metadata={"description": "903 SEX_ADOPTR"})
    adopter_status = fields.Str(allow_none=True, metadata={"description": "903 LS_ADOPTR"})


class PreviousPermanenceSchema(_HistorySchema):
    """Permanence before this period of care (903 PrevPerm); the date as the return gives it (zz for unknown)."""

    arrangement = fields.Str(metadata={"description": "903 PREV_PERM"})
    local_authority = fields.Str(allow_none=True, metadata={"description": "903 LA_PERM"})
    when = fields.Str(allow_none=True, metadata={"description": "903 DATE_PERM, dd/mm/yyyy with zz allowed"})


class MissingEpisodeSchema(_HistorySchema):
    """Missing, or away from placement without authorisation (903 Missing)."""

    kind = fields.Str(metadata={"description": "903 MISSING: M or A"})
    start = fields.Date()
    end = fields.Date(allow_none=True)


class UnaccompaniedStatusSchema(_HistorySchema):
    """When the child stopped being an unaccompanied asylum-seeking child (903 UASC)."""

    ceased_on = fields.Date(allow_none=True, metadata={"description": "903 DUC"})


class CareOutcomesSchema(_HistorySchema):
    """The 903's OC2 and OC3 outcomes for one collection year, as the return's codes."""

    year = fields.Str()
    sdq_score = Int(allow_none=True)
    sdq_reason = fields.Str(allow_none=True)
    convicted = fields.Bool(allow_none=True)
    health_check = fields.Bool(allow_none=True)
    immunisations = fields.Bool(allow_none=True)
    teeth_check = fields.Bool(allow_none=True)
    health_assessment = fields.Bool(allow_none=True)
    substance_misuse = fields.Bool(allow_none=True)
    intervention_received = fields.Bool(allow_none=True)
    intervention_offered = fields.Bool(allow_none=True)
    in_touch = fields.Str(allow_none=True)
    activity = fields.Str(allow_none=True)
    accommodation = fields.Str(allow_none=True)


class ChildHistorySchema(Schema):
    """Every dated history on a child's record, oldest first."""

    id = Int(dump_only=True)
    care_periods = fields.List(fields.Nested(CarePeriodSchema))
    legal_statuses = fields.List(fields.Nested(LegalStatusSchema))
    placements = fields.List(fields.Nested(PlacementSchema))
    reviews = fields.List(fields.Nested(ReviewSchema))
    proceedings = fields.List(fields.Nested(CareProceedingsSchema))
    pre_proceedings = fields.List(fields.Nested(PreProceedingsSchema))
    plans = fields.List(fields.Nested(PermanencePlanSchema))
    flags = fields.List(fields.Nested(ChildFlagSchema))
    key_dates = fields.List(fields.Nested(KeyDateSchema))
    adoption_decisions = fields.List(fields.Nested(AdoptionPlacementDecisionSchema))
    adoptions = fields.List(fields.Nested(AdoptionSchema))
    previous_permanence = fields.List(fields.Nested(PreviousPermanenceSchema))
    missing_episodes = fields.List(fields.Nested(MissingEpisodeSchema))
    unaccompanied = fields.List(fields.Nested(UnaccompaniedStatusSchema))
    outcomes = fields.List(fields.Nested(CareOutcomesSchema))
