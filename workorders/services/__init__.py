"""Writes of the work-order domain, one module per sub-domain, re-exported here."""

from workorders.services.common import Conflict
from workorders.services.config import (
    category_create,
    category_update,
    dispatch_rule_delete,
    dispatch_rule_save,
    saved_view_delete,
    saved_view_save,
    sla_policy_save,
    workorder_defaults_seed,
    workorder_settings_update,
)
from workorders.services.dispatch import take_timeout_handle, workorder_auto_dispatch, workorder_dispatch
from workorders.services.duty import membership_duty_set
from workorders.services.followups import follow_up_record, follow_up_schedule
from workorders.services.orders import (
    workorder_accept,
    workorder_cancel,
    workorder_close,
    workorder_comment,
    workorder_complete,
    workorder_create,
    workorder_create_system,
    workorder_hold,
    workorder_is_reopenable,
    workorder_rate,
    workorder_reject,
    workorder_reopen,
    workorder_resume,
    workorder_start,
    workorder_take,
    workorder_update,
    workorder_verify,
)
from workorders.services.photos import photos_add
from workorders.services.sla import sla_sweep

__all__ = [
    "Conflict",
    "category_create",
    "category_update",
    "dispatch_rule_delete",
    "dispatch_rule_save",
    "follow_up_record",
    "follow_up_schedule",
    "membership_duty_set",
    "photos_add",
    "saved_view_delete",
    "saved_view_save",
    "sla_policy_save",
    "sla_sweep",
    "take_timeout_handle",
    "workorder_accept",
    "workorder_auto_dispatch",
    "workorder_cancel",
    "workorder_close",
    "workorder_comment",
    "workorder_complete",
    "workorder_create",
    "workorder_create_system",
    "workorder_defaults_seed",
    "workorder_dispatch",
    "workorder_hold",
    "workorder_is_reopenable",
    "workorder_rate",
    "workorder_reject",
    "workorder_reopen",
    "workorder_resume",
    "workorder_settings_update",
    "workorder_start",
    "workorder_take",
    "workorder_update",
    "workorder_verify",
]
