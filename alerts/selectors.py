"""Reads of the alerts domain: who sees which alert, rule, channel, device and gateway; the counts
of the alert centre; the inbox; the evidence behind an alert with readable labels.

Who sees what:
- alerts: ``alerts.view`` on the alert's project (company-wide holders see every alert of the
  company, company-wide alerts included); acting on one needs ``alerts.handle`` there;
- rules: ``alerts.view`` anywhere in the company reads the company's rules (the company-wide ones
  apply to his projects too) and the rules of his projects; ``alerts.configure`` changes them;
- devices: like alerts (every device belongs to a project); ``alerts.configure`` changes them;
- channels and gateways carry webhook addresses and keys: ``alerts.configure`` only.
Rows of other companies and projects answer 404 like missing ones.
"""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, Severity, SubjectType
from alerts.messages import REF_URLS, ref_url
from alerts.models import Alert, AlertEvent, AlertRule, Channel, Delivery, Device, Gateway, InboxItem, Reading
from core.access import access_for, get_object_for_user, restrict
from core.choices import ROLE_PERMS, Perm
from core.models import Area, Building, Company, Membership, Project, Unit

ALERT_RELATED = ("company", "project", "rule", "owner")


#
# Alerts
#
def alert_visible(*, user: User) -> QuerySet[Alert]:
    return restrict(Alert.objects.all(), user, Perm.ALERT_VIEW)


def alert_list(*, user: User, filters: dict | None = None) -> QuerySet[Alert]:
    """Alerts ``user`` may see, newest first, joined for the table; ``filters`` as AlertFilterSet
    reads them (``?status=open&severity=high&owner=me``), invalid values ignored."""
    qs = alert_visible(user=user).select_related(*ALERT_RELATED).order_by("-created", "-id")
    if filters:
        from alerts.filtersets import AlertFilterSet

        qs = AlertFilterSet(_query(filters), queryset=qs, request=SimpleNamespace(user=user)).qs
    return qs


def _query(filters) -> QueryDict:
    """Filters as a query string holds them: a plain dict's single values become one-item lists."""
    if isinstance(filters, QueryDict):
        return filters
    query = QueryDict(mutable=True)
    for key, value in filters.items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    return query


def get_alert_for_user(*, user: User, pk, write: bool = False) -> Alert:
    """One alert ``user`` may see (404 for missing and not-yours alike); ``write``: he must also
    hold ``alerts.handle`` on its project, else 403."""
    qs = Alert.objects.select_related(*ALERT_RELATED, "acknowledged_by", "resolved_by")
    return get_object_for_user(qs, user, pk, perm=Perm.ALERT_VIEW, write_perm=Perm.ALERT_HANDLE if write else None)


def alert_can_handle(*, user: User, alert: Alert) -> bool:
    return access_for(user).allows(Perm.ALERT_HANDLE, company_id=alert.company_id, project_id=alert.project_id)


def alert_actions(*, user: User, alert: Alert) -> list[str]:
    """What ``user`` may do with ``alert`` now, in the order the page shows them."""
    if not alert_can_handle(user=user, alert=alert):
        return []
    rules = [
        ("acknowledge", alert.status == AlertStatus.OPEN),
        ("assign", alert.status in OPEN_ALERT_STATUSES),
        ("resolve", alert.status in OPEN_ALERT_STATUSES),
        ("note", True),
    ]
    return [name for name, ok in rules if ok]


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("actor").order_by("created", "id")


def alert_event_people(*, events) -> dict[int, User]:
    """The people named in the events' data (handed over to, escalated to), in one query."""
    ids = {e.data.get(key) for e in events for key in ("to", "to_owner", "from", "from_owner")}
    ids = {i for i in ids if isinstance(i, int)}
    return {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}


def alert_deliveries(*, alert: Alert) -> QuerySet[Delivery]:
    return alert.deliveries.select_related("channel").order_by("created", "id")


def alert_assignees(*, alert: Alert) -> QuerySet[User]:
    """People who may own the alert: active members who see alerts of its project."""
    roles = sorted(role for role, perms in ROLE_PERMS.items() if Perm.ALERT_VIEW in perms)
    where = Q(project__isnull=True)
    if alert.project_id is not None:
        where |= Q(project_id=alert.project_id)
    members = Membership.objects.filter(
        where, company_id=alert.company_id, role__in=roles, is_active=True, user__is_active=True
    )
    return User.objects.filter(pk__in=members.values("user_id")).order_by("name", "id")


def _today_start() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def alert_counts(*, user: User, qs: QuerySet[Alert] | None = None) -> dict[str, Any]:
    """The alert centre's cards for ``qs`` (default: every alert ``user`` sees), in two queries:
    by status; alerts nobody has taken on yet (status open) by severity; resolved today; the
    unresolved ones (open or acknowledged) in total, of ``user`` and by rule kind."""
    qs = (qs if qs is not None else alert_visible(user=user)).order_by()
    unresolved = Q(status__in=OPEN_ALERT_STATUSES)
    aggregates = {s: Count("id", filter=Q(status=s)) for s in AlertStatus.values}
    aggregates |= {f"open_{s}": Count("id", filter=Q(status=AlertStatus.OPEN, severity=s)) for s in Severity.values}
    aggregates["resolved_today"] = Count("id", filter=Q(status=AlertStatus.RESOLVED, resolved_at__gte=_today_start()))
    aggregates["mine"] = Count("id", filter=unresolved & Q(owner=user))
    row = qs.aggregate(**aggregates)
    by_kind = dict(qs.filter(unresolved).values_list("kind").annotate(n=Count("id")).order_by())
    return {
        "by_status": {s: row[s] for s in AlertStatus.values},
        "unresolved": sum(row[s] for s in OPEN_ALERT_STATUSES),
        "open_by_severity": {s: row[f"open_{s}"] for s in Severity.values},
        "resolved_today": row["resolved_today"],
        "mine": row["mine"],
        "unresolved_by_kind": by_kind,
    }


#
# Evidence: every reference with a readable label, one query per kind of object
#
def _labels_workorders(company_id: int, ids: list[int]) -> dict[int, str]:
    from workorders.models import WorkOrder

    rows = WorkOrder.objects.filter(company_id=company_id, pk__in=ids).only("pk", "created", "title")
    return {order.pk: f"{order.code} {order.title}" for order in rows}


def _labels_tasks(company_id: int, ids: list[int]) -> dict[int, str]:
    from plans.models import Task

    out = {}
    for task in Task.objects.filter(company_id=company_id, pk__in=ids).select_related("company"):
        zone = task.company.zone
        start, due = timezone.localtime(task.starts_at, zone), timezone.localtime(task.due_at, zone)
        out[task.pk] = f"{task.title} {start:%Y-%m-%d %H:%M}–{due:%H:%M}"
    return out


def _labels_plans(company_id: int, ids: list[int]) -> dict[int, str]:
    from plans.models import Plan

    return dict(Plan.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "name"))


def _labels_findings(company_id: int, ids: list[int]) -> dict[int, str]:
    from inspections.models import Finding

    return dict(Finding.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "title"))


def _labels_devices(company_id: int, ids: list[int]) -> dict[int, str]:
    rows = Device.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "name", "code")
    return {pk: f"{name} ({code})" for pk, name, code in rows}


def _labels_units(company_id: int, ids: list[int]) -> dict[int, str]:
    rows = Unit.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "project__name", "code")
    return {pk: f"{project} {code}" for pk, project, code in rows}


def _labels_buildings(company_id: int, ids: list[int]) -> dict[int, str]:
    rows = Building.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "project__name", "name")
    return {pk: f"{project} {name}" for pk, project, name in rows}


def _labels_areas(company_id: int, ids: list[int]) -> dict[int, str]:
    rows = Area.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "project__name", "name")
    return {pk: f"{project} {name}" for pk, project, name in rows}


def _labels_readings(company_id: int, ids: list[int]) -> dict[int, str]:
    rows = Reading.objects.filter(company_id=company_id, pk__in=ids).select_related("company", "device")
    return {
        r.pk: f"{r.device.name} {r.metric} = {r.value:g} @ {timezone.localtime(r.at, r.company.zone):%m-%d %H:%M}"
        for r in rows
    }


def _labels_projects(company_id: int, ids: list[int]) -> dict[int, str]:
    return dict(Project.objects.filter(company_id=company_id, pk__in=ids).values_list("pk", "name"))


EVIDENCE_LABELS = {
    SubjectType.WORKORDER: _labels_workorders,
    SubjectType.TASK: _labels_tasks,
    SubjectType.PLAN: _labels_plans,
    SubjectType.FINDING: _labels_findings,
    SubjectType.DEVICE: _labels_devices,
    SubjectType.UNIT: _labels_units,
    SubjectType.BUILDING: _labels_buildings,
    SubjectType.AREA: _labels_areas,
    SubjectType.PROJECT: _labels_projects,
    "reading": _labels_readings,  # an equipment alert's reading back over the threshold
}
REF_TYPE_LABELS = {**dict(SubjectType.choices), "reading": _("Reading")}


def alert_evidence(*, alert: Alert) -> list[dict]:
    """The alert's subject and evidence references, each {type, type_label, id, label, url,
    exists}: labels name the object (order code and title, task and its window, finding title,
    device name) from one query per kind; a reference to a row that is gone says so."""
    refs = [(r["type"], int(r["id"])) for r in alert.refs]
    if alert.subject_id is not None and (alert.subject_type, alert.subject_id) not in refs:
        refs.insert(0, (alert.subject_type, alert.subject_id))
    wanted: dict[str, list[int]] = {}
    for kind, pk in refs:
        wanted.setdefault(kind, []).append(pk)
    labels = {
        kind: EVIDENCE_LABELS[kind](alert.company_id, ids) for kind, ids in wanted.items() if kind in EVIDENCE_LABELS
    }
    type_labels = REF_TYPE_LABELS
    out = []
    for kind, pk in refs:
        found = labels.get(kind, {}).get(pk)
        out.append(
            {
                "type": kind,
                "type_label": type_labels.get(kind, kind),
                "id": pk,
                "label": found or f"#{pk}",
                "url": ref_url(kind, pk) if found and kind in REF_URLS else None,
                "exists": found is not None,
                "is_subject": (kind, pk) == (alert.subject_type, alert.subject_id),
            }
        )
    return out


#
# Inbox
#
def inbox(*, user: User) -> QuerySet[InboxItem]:
    """``user``'s inbox, unread first, then newest; only alerts he may still see."""
    if user is None or not user.is_authenticated:
        return InboxItem.objects.none()
    visible = access_for(user).q(Perm.ALERT_VIEW, project_field="alert__project")
    return (
        InboxItem.objects.filter(visible, user=user)
        .select_related("alert", "alert__rule", "alert__project", "alert__owner", "alert__company")
        .order_by(F("read_at").asc(nulls_first=True), "-created", "-id")
    )


def inbox_unread_count(*, user: User) -> int:
    """Unread items of ``user`` (the partial index inbox_user_unread answers it)."""
    if user is None or not user.is_authenticated:
        return 0
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


#
# Rules
#
def _companies_with(user: User, perm: str) -> list[int]:
    """Companies where ``user`` holds ``perm`` company-wide or in at least one project."""
    access = access_for(user)
    projects = sorted(access.project_grants.get(perm, set()))
    via_projects = set()
    if projects:
        via_projects = set(Project.objects.filter(pk__in=projects).values_list("company_id", flat=True))
    return sorted(access.company_grants.get(perm, set()) | via_projects)


def _company_wide_or_mine(user: User, perm: str) -> Q:
    """Rows of projects where ``user`` holds ``perm``, and the company-wide rows (no project) of
    every company where he holds it somewhere."""
    access = access_for(user)
    if access.is_superuser:
        return Q()
    return access.q(perm) | Q(project__isnull=True, company_id__in=_companies_with(user, perm))


def rule_list(*, user: User) -> QuerySet[AlertRule]:
    if user is None or not user.is_authenticated:
        return AlertRule.objects.none()
    return (
        AlertRule.objects.filter(_company_wide_or_mine(user, Perm.ALERT_VIEW))
        .select_related("company", "project")
        .order_by("kind", "name", "id")
    )


def get_rule_for_user(*, user: User, pk, write: bool = False) -> AlertRule:
    """One rule ``user`` reads (404 otherwise); ``write`` needs ``alerts.configure`` there (403)."""
    try:
        rule = rule_list(user=user).get(pk=pk)
    except (AlertRule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_configure(user=user, company_id=rule.company_id, project_id=rule.project_id):
        raise PermissionDenied
    return rule


def can_configure(*, user: User, company_id: int, project_id: int | None = None) -> bool:
    return access_for(user).allows(Perm.ALERT_CONFIGURE, company_id=company_id, project_id=project_id)


def configurable_companies(*, user: User) -> QuerySet[Company]:
    """Companies whose alert set-up ``user`` may change (``alerts.configure`` company-wide)."""
    access = access_for(user)
    qs = Company.objects.filter(is_active=True)
    if access.is_superuser:
        return qs.order_by("id")
    return qs.filter(pk__in=sorted(access.company_grants.get(Perm.ALERT_CONFIGURE, set()))).order_by("id")


def rule_recent_alerts(*, rule: AlertRule, limit: int = 10) -> QuerySet[Alert]:
    return rule.alerts.select_related("project", "owner").order_by("-created", "-id")[:limit]


#
# Channels and deliveries
#
def channel_list(*, user: User) -> QuerySet[Channel]:
    if user is None or not user.is_authenticated:
        return Channel.objects.none()
    return restrict(Channel.objects.all(), user, Perm.ALERT_CONFIGURE).select_related("project").order_by("name", "id")


def get_channel_for_user(*, user: User, pk) -> Channel:
    """One channel of a company whose alert set-up ``user`` configures; 404 otherwise."""
    try:
        return channel_list(user=user).select_related("company").get(pk=pk)
    except (Channel.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def channel_deliveries(*, channel: Channel, limit: int = 50) -> QuerySet[Delivery]:
    return channel.deliveries.select_related("alert", "alert__rule").order_by("-created", "-id")[:limit]


def channel_delivery_counts(*, channels: QuerySet[Channel]) -> dict[int, dict[str, int]]:
    """{channel id: {delivery status: count}} over ``channels`` in one grouped query."""
    rows = (
        Delivery.objects.filter(channel__in=channels)
        .values_list("channel_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[int, dict[str, int]] = {}
    for channel_id, status, n in rows:
        out.setdefault(channel_id, {})[status] = n
    return out


#
# Devices, readings and gateways
#
def device_list(*, user: User) -> QuerySet[Device]:
    if user is None or not user.is_authenticated:
        return Device.objects.none()
    return (
        restrict(Device.objects.all(), user, Perm.ALERT_VIEW)
        .select_related("company", "project", "building", "area")
        .order_by("project__name", "code", "id")
    )


def get_device_for_user(*, user: User, pk, write: bool = False) -> Device:
    """One device ``user`` sees (404 otherwise); ``write`` needs ``alerts.configure`` (403)."""
    qs = Device.objects.select_related("company", "project", "building", "area")
    return get_object_for_user(qs, user, pk, perm=Perm.ALERT_VIEW, write_perm=Perm.ALERT_CONFIGURE if write else None)


def device_readings(*, device: Device, limit: int = 50) -> QuerySet[Reading]:
    return device.readings.order_by("-at", "-id")[:limit]


def device_alerts(*, device: Device, user: User, limit: int = 20) -> QuerySet[Alert]:
    """Alerts about the device (its subject, or one of the references), newest first."""
    about = Q(subject_type=SubjectType.DEVICE, subject_id=device.pk) | Q(
        evidence__refs__contains=[{"type": SubjectType.DEVICE, "id": device.pk}]
    )
    return _device_alerts(user, device, about, limit)


def _device_alerts(user: User, device: Device, about: Q, limit: int) -> QuerySet[Alert]:
    from django.db import connection

    if not connection.features.supports_json_field_contains:  # SQLite: the subject only
        about = Q(subject_type=SubjectType.DEVICE, subject_id=device.pk)
    return (
        alert_visible(user=user)
        .filter(about, company_id=device.company_id)
        .select_related(*ALERT_RELATED)
        .order_by("-created", "-id")[:limit]
    )


def gateway_list(*, user: User) -> QuerySet[Gateway]:
    if user is None or not user.is_authenticated:
        return Gateway.objects.none()
    return restrict(Gateway.objects.all(), user, Perm.ALERT_CONFIGURE).select_related("project").order_by("name", "id")


def get_gateway_for_user(*, user: User, pk) -> Gateway:
    try:
        return gateway_list(user=user).get(pk=pk)
    except (Gateway.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
