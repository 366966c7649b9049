"""Checklists, inspection rounds and their scores, findings and the rectification loop, CAPA."""

from inspections.models.checklists import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    InspectionSchedule,
    ScheduleInspector,
)
from inspections.models.findings import Capa, CapaEvent, ExtensionRequest, Finding, FindingEvent
from inspections.models.rounds import InspectionRollup, InspectionRound, ItemResult, RoundEvent, RoundInspector

__all__ = [
    "Capa",
    "CapaEvent",
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistVersion",
    "ExtensionRequest",
    "Finding",
    "FindingEvent",
    "InspectionRollup",
    "InspectionRound",
    "InspectionSchedule",
    "ItemResult",
    "RoundEvent",
    "RoundInspector",
    "ScheduleInspector",
]
