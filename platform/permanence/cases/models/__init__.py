"""The child's record: the child, sibling groups, and the dated histories of care."""

from .child import Child, SiblingGroup, child_reference, children_named_in
from .history import (Adoption, AdoptionPlacementDecision, CareOutcomes, CarePeriod, CareProceedings, ChildFlag,
                      ChildSheetNote, KeyDate, LegalStatus, MissingEpisode, PermanencePlan, Placement, PreProceedings,
                      PreviousPermanence, Review, UnaccompaniedStatus)

HISTORY_MODELS = (CarePeriod, LegalStatus, Placement, Review, CareProceedings, PreProceedings, PermanencePlan,
                  ChildFlag, KeyDate, AdoptionPlacementDecision, Adoption, UnaccompaniedStatus)
# The 903's other tables shown on the child's page that no fact or event reads (the tracker ignores them).
SSDA903_ONLY_MODELS = (PreviousPermanence, MissingEpisode, CareOutcomes)

__all__ = ["HISTORY_MODELS", "SSDA903_ONLY_MODELS", "Adoption", "AdoptionPlacementDecision", "CareOutcomes",
           "MissingEpisode", "PreviousPermanence", "UnaccompaniedStatus", "CarePeriod", "CareProceedings", "Child", "ChildFlag", "ChildSheetNote", "KeyDate", "LegalStatus",
           "PermanencePlan", "Placement", "PreProceedings", "Review", "SiblingGroup", "child_reference",
           "children_named_in"]
