from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import require_perm
from core.choices import Perm
from core.models import Project
from portal.models import Notice


def _save(notice: Notice) -> Notice:
    notice.full_clean()
    notice.save()
    return notice


@transaction.atomic
def notice_create(*, project: Project, data: dict[str, Any], actor, publish: bool = False) -> Notice:
    require_perm(actor, Perm.NOTICES_MANAGE, company_id=project.company_id, project_id=project.id)
    notice = Notice(company_id=project.company_id, project=project, created_by=actor, **data)
    if publish:
        notice.published_at = timezone.now()
    return _save(notice)


@transaction.atomic
def notice_publish(*, notice: Notice, actor) -> Notice:
    require_perm(actor, Perm.NOTICES_MANAGE, company_id=notice.company_id, project_id=notice.project_id)
    if not Notice.objects.filter(pk=notice.pk, published_at__isnull=True).update(published_at=timezone.now()):
        raise ValidationError(_("This notice is already published."))
    notice.refresh_from_db()
    return notice


@transaction.atomic
def notice_withdraw(*, notice: Notice, actor) -> Notice:
    require_perm(actor, Perm.NOTICES_MANAGE, company_id=notice.company_id, project_id=notice.project_id)
    Notice.objects.filter(pk=notice.pk).update(published_at=None)
    notice.refresh_from_db()
    return notice
