from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from core.access import get_object_for_user, restrict
from core.choices import Perm
from core.models import UnitResident
from portal.models import Notice


def my_unit_links(*, user) -> QuerySet[UnitResident]:
    """The units this user is linked to as owner, tenant or family member (any company)."""
    return (
        UnitResident.objects.filter(resident__user=user)
        .select_related("unit", "unit__building", "unit__project", "resident")
        .order_by("unit__project__name", "unit__code")
    )


def get_my_unit_link(*, user, unit_id) -> UnitResident:
    link = my_unit_links(user=user).filter(unit_id=unit_id).first()
    if link is None:
        raise Http404
    return link


def household(*, link: UnitResident) -> QuerySet[UnitResident]:
    """Other people on the unit: shown only to a verified owner of that unit."""
    if not (link.is_verified and link.relation == "owner"):
        return UnitResident.objects.none()
    return UnitResident.objects.filter(unit_id=link.unit_id).select_related("resident").order_by("relation")


def my_notices(*, user) -> QuerySet[Notice]:
    project_ids = sorted(set(my_unit_links(user=user).values_list("unit__project_id", flat=True)))
    return Notice.objects.filter(project_id__in=project_ids, published_at__lte=timezone.now()).select_related("project")


def get_my_notice(*, user, pk) -> Notice:
    notice = my_notices(user=user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


#
# Staff side
#
def staff_notice_list(*, user) -> QuerySet[Notice]:
    return restrict(Notice.objects.select_related("project"), user, Perm.ORG_VIEW)


def get_notice_for_user(*, user, pk, write: bool = False) -> Notice:
    return get_object_for_user(
        staff_notice_list(user=user), user, pk, perm=Perm.ORG_VIEW, write_perm=Perm.NOTICES_MANAGE if write else None
    )
