"""The child's record: the child, sibling groups, and the dated histories of care."""

from .child import Child, ChildDays, SiblingGroup, child_reference, children_named_in
from .history import (Adoption, AdoptionPlacementDecision, CareOutcomes, CarePeriod, CareProceedings, ChildFlag,
                      ChildSheetNote, KeyDate, LegalStatus, MissingEpisode, PermanencePlan, Placement, PlacementDays,
                      PlanDays, PreProceedings, PreProceedingsDays, PreviousPermanence, ProceedingsDays, Review, Span,
                      UnaccompaniedStatus)

HISTORY_MODELS = (CarePeriod, LegalStatus, Placement, Review, CareProceedings, PreProceedings, PermanencePlan,
                  ChildFlag, KeyDate, AdoptionPlacementDecision, Adoption, UnaccompaniedStatus)
# The 903's other tables shown on the child's page that no fact or event reads (the tracker ignores them).
SSDA903_ONLY_MODELS = (PreviousPermanence, MissingEpisode, CareOutcomes)

# The behaviour a day asks of the child and its histories (``Span``, ``ChildDays``, ...) is shared with the
# plain records of ``cases.records``.
__all__ = ["HISTORY_MODELS", "SSDA903_ONLY_MODELS", "ChildDays", "PlacementDays", "PlanDays", "PreProceedingsDays",
           "ProceedingsDays", "Span", "Adoption", "AdoptionPlacementDecision", "CareOutcomes",
           "MissingEpisode", "PreviousPermanence", "UnaccompaniedStatus", "CarePeriod", "CareProceedings", "Child", "ChildFlag", "ChildSheetNote", "KeyDate", "LegalStatus",
           "PermanencePlan", "Placement", "PreProceedings", "Review", "SiblingGroup", "child_reference",
           "children_named_in"]
