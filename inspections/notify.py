"""Messages about findings and CAPA. Queued after commit (django-q); the alerts work adds channels.

Recipients are the project's managers and the company's quality managers; messages carry no
owners' personal data.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from django_scopes import scopes_disabled

from core.choices import Role


def notify_finding_escalated(*, finding_id: int) -> None:
    """Queue an e-mail to the project manager and the quality managers about an overdue finding."""
    async_task("inspections.notify.send_finding_escalated", finding_id, task_name=f"finding-escalated-{finding_id}")


def notify_capa_effectiveness_due(*, capa_id: int) -> None:
    async_task("inspections.notify.send_capa_effectiveness_due", capa_id, task_name=f"capa-effectiveness-{capa_id}")


def _emails(*, company_id: int, project_id: int, extra=()) -> list[str]:
    from core.models import Membership

    members = Membership.objects.filter(company_id=company_id, is_active=True).filter(
        role__in=[Role.PROJECT_MANAGER, Role.QUALITY_MANAGER]
    )
    found = {
        m.user.email
        for m in members.select_related("user")
        if m.user.email and m.user.is_active and m.project_id in (None, project_id)
    }
    found |= {user.email for user in extra if user is not None and user.email}
    return sorted(found)


def send_finding_escalated(finding_id: int) -> int:
    from inspections.models import Finding

    with scopes_disabled():
        finding = Finding.objects.select_related("project", "department").get(pk=finding_id)
        emails = _emails(company_id=finding.company_id, project_id=finding.project_id)
    if not emails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Overdue rectification: {title}").format(title=finding.title)
        body = _(
            "Project: {project}\nDepartment: {department}\nSeverity: {severity}\nRectify by: {due}\n\n{description}"
        ).format(
            project=finding.project,
            department=finding.department or "-",
            severity=finding.get_severity_display(),
            due=f"{timezone.localtime(finding.due_at, finding.project.company.zone):%Y-%m-%d %H:%M}",
            description=finding.description,
        )
    return send_mail(subject, body, None, emails)


def send_capa_effectiveness_due(capa_id: int) -> int:
    from inspections.models import Capa

    with scopes_disabled():
        capa = Capa.objects.select_related("project", "owner").get(pk=capa_id)
        emails = _emails(company_id=capa.company_id, project_id=capa.project_id, extra=[capa.owner])
    if not emails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("CAPA effectiveness check due: {title}").format(title=capa.title)
        body = _("Project: {project}\nCorrective action: {action}\n\nCheck whether the problem came back.").format(
            project=capa.project, action=capa.corrective_action
        )
    return send_mail(subject, body, None, emails)
