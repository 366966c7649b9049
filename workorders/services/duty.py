"""On duty (值班): who automatic dispatch may pick right now."""

from django.db import transaction

from accounts.models import User
from core.access import require_perm
from core.choices import Perm
from core.models import Membership


@transaction.atomic
def membership_duty_set(*, membership: Membership, on_duty: bool, actor: User) -> Membership:
    """Put a person on or off duty in one project: himself, or a lead (WO_MANAGE) of that project."""
    if membership.user_id != actor.id:
        require_perm(actor, Perm.WO_MANAGE, company_id=membership.company_id, project_id=membership.project_id)
    if membership.on_duty != on_duty:
        membership.on_duty = on_duty
        membership.save(update_fields=["on_duty"])
    return membership
