"""The code lists of the child's record, with labels, in one place.

Codes follow the SSDA903 return (domain.md §1). Lists a cohort rule can test
(legal status, placement type, plan routes, flags) are defined once, in
``tor.vocabulary``, and re-exported here so a label never differs between the
record and the terms of reference; the rest are the 903's own lists.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from ..tor.vocabulary import (DERIVED_FLAGS, FLAGS, LEGAL_STATUSES, PLACEMENT_TYPES, PLAN_ROUTES, RECORDABLE_EVENTS,
                              S20_ENTRIES)

__all__ = [
    "CATEGORIES_OF_NEED", "FLAGS", "LEGAL_STATUSES", "PARTICIPATION", "PLACEMENT_PROVIDERS", "PLACEMENT_TYPES",
    "PLAN_AGREED_AT", "PLAN_KINDS", "PLAN_ROUTES", "PERMANENCE_EXITS", "PRE_PROCEEDINGS_OUTCOMES",
    "PROCEEDINGS_OUTCOMES", "REASONS_CEASED", "RECORDABLE_EVENTS", "RECORDED_FLAGS", "S20_ENTRIES",
    "REASONS_NEW_EPISODE", "REASONS_PLACE_CHANGE", "SEXES", "label",
    "ADOPTER_SEXES", "ADOPTER_STATUSES", "MISSING_KINDS", "PREVIOUS_PERMANENCE", "REASONS_PLACED_CEASED",
]


# The circumstances a person records on the child's page (the others are derived from the record).
RECORDED_FLAGS: Mapping[str, str] = MappingProxyType({k: v for k, v in FLAGS.items() if k not in DERIVED_FLAGS})


def _codes(**pairs: str) -> Mapping[str, str]:
    return MappingProxyType(pairs)


REASONS_NEW_EPISODE = _codes(
    S="Started to be looked after",
    L="Change of legal status only",
    P="Change of placement and carer(s) only",
    T="Change of placement but same carer(s)",
    B="Change of legal status and placement and carer(s)",
    U="Change of legal status and placement but same carer(s)",
)

REASONS_CEASED = _codes(
    X1="Episode ceased and a new one began the same day",
    E11="Adopted (application unopposed)",
    E12="Adopted (consent dispensed with)",
    E2="Died",
    E3="Care taken over by another local authority",
    E4A="Returned home as part of the care plan",
    E4B="Returned home not as part of the care plan",
    E13="Left care to live with people without parental responsibility",
    E41="Child arrangements order",
    E45="Special guardianship order to former foster carers (relatives or friends)",
    E46="Special guardianship order to former foster carers (not relatives or friends)",
    E47="Special guardianship order to other carers (relatives or friends)",
    E48="Special guardianship order to other carers (not relatives or friends)",
    E5="Independent living with formal support",
    E6="Independent living without formal support",
    E7="Residential care funded by adult social care",
    E9="Sentenced to custody",
    E14="Accommodation on remand ended",
    E15="Age assessment found the young person 18 or over",
    E16="Moved abroad",
    E17="Aged 18 or over and stayed with current carers (Staying Put)",
    E8="Ceased for any other reason",
)

# Exits that secure permanence (domain.md §1.8).
PERMANENCE_EXITS = frozenset({"E11", "E12", "E41", "E45", "E46", "E47", "E48"})

PLACEMENT_PROVIDERS = _codes(
    PR0="Parent(s) or other person with parental responsibility",
    PR1="Own local authority provision",
    PR2="Other local authority provision",
    PR3="Other public provision",
    PR4="Private provision",
    PR5="Voluntary or third sector provision",
)

REASONS_PLACE_CHANGE = _codes(
    CARPL="Change to or implementation of the care plan",
    CLOSE="Resignation or closure of provision",
    ALLEG="Allegation (section 47)",
    STAND="Concern about standards of care",
    APPRR="Approval removed",
    CREQB="Carer requests end because of the child's behaviour",
    CREQO="Carer requests end for other reasons",
    CHILD="Child requests end",
    LAREQ="Responsible or area authority requests end",
    PLACE="Change in status of placement only",
    CUSTOD="Custody arrangement",
    OTHER="Other",
)

PARTICIPATION = _codes(
    PN0="Child under 4 at the time of the review",
    PN1="Attends and speaks for self",
    PN2="Attends; an advocate speaks for the child",
    PN3="Attends and conveys views symbolically",
    PN4="Attends without contributing",
    PN5="Does not attend; briefs an advocate or the IRO",
    PN6="Does not attend; conveys views by another medium",
    PN7="Does not attend and views not conveyed",
)

CATEGORIES_OF_NEED = _codes(
    N1="Abuse or neglect",
    N2="Child's disability",
    N3="Parental illness or disability",
    N4="Family in acute stress",
    N5="Family dysfunction",
    N6="Socially unacceptable behaviour",
    N7="Low income",
    N8="Absent parenting",
)

SEXES = _codes(M="Male", F="Female", U="Not known")

PLAN_KINDS = _codes(primary="Primary plan", parallel="Parallel plan", contingency="Contingency plan")

PLAN_AGREED_AT = _codes(
    review="Looked-after review",
    panel="Permanence panel",
    tracking_meeting="Tracking meeting",
    legal_planning_meeting="Legal planning meeting",
    court="Court",
    agency_decision_maker="Agency decision maker",
    other="Other",
)

PROCEEDINGS_OUTCOMES = _codes(
    care_order="Care order",
    supervision_order="Supervision order",
    placement_order="Care order and placement order",
    special_guardianship_order="Special guardianship order",
    child_arrangements_order="Child arrangements order",
    no_order="No order",
    withdrawn="Application withdrawn",
)

PRE_PROCEEDINGS_OUTCOMES = _codes(
    step_down="Stepped down",
    proceedings_issued="Care proceedings issued",
    extended="Pre-proceedings extended",
)


def label(codes: Mapping[str, str], code: str | None) -> str:
    """``code`` with its label for a page: "C2: Care order" for a 903 code, "Adoption" for a route."""
    if not code:
        return ""
    text = codes.get(code)
    if text is None:
        return code
    text = text[0].upper() + text[1:]
    return text if code.islower() else f"{code}: {text}"


# The 903's other tables (domain.md §1): placed for adoption, AD1, previous permanence, missing.
REASONS_PLACED_CEASED = _codes(
    RD1="The child's needs changed",
    RD2="The court did not make a placement order",
    RD3="Prospective adopters could not be found",
    RD4="Any other reason",
)
PREVIOUS_PERMANENCE = _codes(
    P1="Adoption",
    P2="Special guardianship order",
    P3="Residence order or child arrangements order (with whom the child lives)",
    P4="Not known",
    Z1="No previous permanence option",
)
ADOPTER_SEXES = _codes(M1="Single male", F1="Single female", MM="Male couple", FF="Female couple",
                       MF="Male and female couple")
ADOPTER_STATUSES = _codes(
    L0="Single",
    L11="Different-gender married couple",
    L12="Same-gender married couple",
    L2="Civil partnership",
    L3="Different-gender unmarried couple",
    L4="Same-gender couple, not married or in a civil partnership",
)
MISSING_KINDS = _codes(M="Missing", A="Away from placement without authorisation")
