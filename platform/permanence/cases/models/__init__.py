"""The child's record: the child, sibling groups, and the dated histories of care."""

from .child import Child, SiblingGroup, child_reference, children_named_in
from .history import (CarePeriod, CareProceedings, ChildFlag, ChildSheetNote, KeyDate, LegalStatus, PermanencePlan,
                      Placement, PreProceedings, Review)

HISTORY_MODELS = (CarePeriod, LegalStatus, Placement, Review, CareProceedings, PreProceedings, PermanencePlan,
                  ChildFlag, KeyDate)

__all__ = ["HISTORY_MODELS", "CarePeriod", "CareProceedings", "Child", "ChildFlag", "ChildSheetNote", "KeyDate",
           "LegalStatus", "PermanencePlan", "Placement", "PreProceedings", "Review", "SiblingGroup", "child_reference",
           "children_named_in"]
