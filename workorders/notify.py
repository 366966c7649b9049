"""Messages to people about orders. Queued after commit; the alerts work (issue 6) adds channels."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from django_scopes import scopes_disabled

from core.choices import Role


def notify_flagged(*, order_id: int) -> None:
    """Queue an e-mail to the project managers and the quality department about a flagged order."""
    async_task("workorders.notify.send_flagged", order_id, task_name=f"wo-flagged-{order_id}")


def send_flagged(order_id: int) -> int:
    from core.models import Membership
    from workorders.models import WorkOrder

    with scopes_disabled():
        order = WorkOrder.objects.select_related("project").get(pk=order_id)
        members = Membership.objects.filter(company_id=order.company_id, is_active=True).filter(
            role__in=[Role.PROJECT_MANAGER, Role.QUALITY_MANAGER, Role.SUPERVISOR]
        )
        emails = sorted(
            {
                m.user.email
                for m in members.select_related("user")
                if m.user.email and (m.project_id in (None, order.project_id))
            }
        )
    if not emails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Flagged work order {code}: {title}").format(code=order.code, title=order.title)
        body = _("Project: {project}\nPriority: {priority}\n\n{description}").format(
            project=order.project, priority=order.get_priority_display(), description=order.description
        )
    return send_mail(subject, body, None, emails)
