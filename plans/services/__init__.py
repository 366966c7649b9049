"""Writes of the plans domain, one module per sub-domain, re-exported here."""

from plans.services.common import Conflict
from plans.services.defaults import plan_defaults_generate
from plans.services.generate import tasks_generate
from plans.services.plans import (
    checkpoint_code_reset,
    checkpoint_create,
    checkpoint_update,
    plan_activate,
    plan_create,
    plan_deactivate,
    plan_route_set,
    plan_update,
)
from plans.services.tasks import (
    task_assign,
    task_cancel,
    task_checkin,
    task_finish,
    task_report_problem,
    task_start,
    tasks_sweep_missed,
)

__all__ = [
    "Conflict",
    "checkpoint_code_reset",
    "checkpoint_create",
    "checkpoint_update",
    "plan_activate",
    "plan_create",
    "plan_deactivate",
    "plan_defaults_generate",
    "plan_route_set",
    "plan_update",
    "task_assign",
    "task_cancel",
    "task_checkin",
    "task_finish",
    "task_report_problem",
    "task_start",
    "tasks_generate",
    "tasks_sweep_missed",
]
