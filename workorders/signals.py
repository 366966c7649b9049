"""Cache invalidation only (STYLE.md §13): settings and SLA policies are cached per company.

Receivers rather than calls in the services because the Django admin edits these rows too.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from workorders.models import SlaPolicy, WorkOrderSettings
from workorders.services.common import settings_key
from workorders.services.sla import policies_key


def _forget(key: str) -> None:
    # Now, and again after commit: a reader between the two would cache the old row.
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@receiver([post_save, post_delete], sender=WorkOrderSettings, dispatch_uid="wo_settings_forget")
def settings_forget(sender, instance: WorkOrderSettings, **kwargs) -> None:
    _forget(settings_key(instance.company_id))


@receiver([post_save, post_delete], sender=SlaPolicy, dispatch_uid="wo_policies_forget")
def policies_forget(sender, instance: SlaPolicy, **kwargs) -> None:
    _forget(policies_key(instance.company_id))
