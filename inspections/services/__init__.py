"""Writes of the inspections domain, one module per sub-domain, re-exported here."""

from inspections.services.common import Conflict
from inspections.services.rollups import inspection_rollup_rebuild, inspection_rollup_refresh
from inspections.services.rounds import (
    round_cancel,
    round_close,
    round_create,
    round_inspectors_set,
    round_result_record,
    round_start,
    round_submit,
)
from inspections.services.schedules import (
    inspection_schedule_create,
    inspection_schedule_deactivate,
    inspection_schedule_update,
    rounds_generate,
)
from inspections.services.templates import (
    checklist_defaults_seed,
    checklist_template_activate,
    checklist_template_create,
    checklist_template_deactivate,
    checklist_template_from_standards,
    checklist_template_update,
    checklist_version_create,
)

__all__ = [
    "Conflict",
    "checklist_defaults_seed",
    "checklist_template_activate",
    "checklist_template_create",
    "checklist_template_deactivate",
    "checklist_template_from_standards",
    "checklist_template_update",
    "checklist_version_create",
    "inspection_rollup_rebuild",
    "inspection_rollup_refresh",
    "inspection_schedule_create",
    "inspection_schedule_deactivate",
    "inspection_schedule_update",
    "round_cancel",
    "round_close",
    "round_create",
    "round_inspectors_set",
    "round_result_record",
    "round_start",
    "round_submit",
    "rounds_generate",
]
