"""Writes of the reports: quality-month campaigns with their goals, and the narrative of a report.

``analytics.report`` (Perm.REPORT_WRITE: the quality manager and the company admin, company-wide)
writes; a campaign or a report of a project needs it on the project or its company.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from analytics.kpis import KPIS
from analytics.report_models import Campaign, CampaignGoal, Comparison, Report, ReportKind
from core.access import access_for
from core.choices import Perm
from core.models import Company, Project

CAMPAIGN_FIELDS = ("name", "description", "project", "baseline_from", "baseline_to", "date_from", "date_to")
NARRATIVE_FIELDS = ("highlights", "problems", "plan")
GOAL_UNKNOWN_KPI = _("Unknown KPI: {code}.")
GOAL_DUPLICATE_KPI = _("Each KPI can have one goal only.")
GOAL_BAD_COMPARISON = _("Unknown comparison: {comparison}.")
REPORT_CAMPAIGN_MISMATCH = _("A campaign report needs its campaign, other reports none.")


def _require_write(user: User, company: Company, project: Project | None) -> None:
    allowed = access_for(user).allows(
        Perm.REPORT_WRITE, company_id=company.pk, project_id=project.pk if project else None
    )
    if not allowed:
        raise PermissionDenied


def _clean_goals(goals: list[dict]) -> list[CampaignGoal]:
    seen, rows = set(), []
    for index, goal in enumerate(goals):
        code, comparison = goal.get("kpi"), goal.get("comparison")
        if code not in KPIS:
            raise ValidationError({"goals": GOAL_UNKNOWN_KPI.format(code=code)})
        if comparison not in Comparison.values:
            raise ValidationError({"goals": GOAL_BAD_COMPARISON.format(comparison=comparison)})
        if code in seen:
            raise ValidationError({"goals": GOAL_DUPLICATE_KPI})
        seen.add(code)
        rows.append(CampaignGoal(kpi=code, comparison=comparison, value=Decimal(goal["value"]), sort_order=index))
    return rows


def _save_goals(campaign: Campaign, goals: list[CampaignGoal]) -> None:
    CampaignGoal.objects.filter(campaign=campaign).delete()
    for goal in goals:
        goal.campaign = campaign
        goal.full_clean(exclude=["campaign"])
    CampaignGoal.objects.bulk_create(goals)


@transaction.atomic
def campaign_create(*, company: Company, data: dict, goals: list[dict], actor: User) -> Campaign:
    """A quality-month campaign of ``company`` (of ``data["project"]`` when given) with its goals
    (``kpi``, ``comparison``, ``value``), replacing nothing."""
    _require_write(actor, company, data.get("project"))
    campaign = Campaign(company=company, created_by=actor, **{k: data.get(k) for k in CAMPAIGN_FIELDS if k in data})
    campaign.full_clean()
    rows = _clean_goals(goals)
    campaign.save()
    _save_goals(campaign, rows)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: dict, goals: list[dict] | None = None, actor: User) -> Campaign:
    """Change the campaign's fields given in ``data``; ``goals`` (when given) replace all its goals."""
    _require_write(actor, campaign.company, campaign.project)
    for name in CAMPAIGN_FIELDS:
        if name in data:
            setattr(campaign, name, data[name])
    _require_write(actor, campaign.company, campaign.project)  # also allowed where it moves to
    campaign.full_clean()
    rows = _clean_goals(goals) if goals is not None else None
    campaign.save()
    if rows is not None:
        _save_goals(campaign, rows)
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor: User) -> None:
    """Delete the campaign, its goals and its report's narrative."""
    _require_write(actor, campaign.company, campaign.project)
    campaign.delete()


@transaction.atomic
def report_save(
    *,
    company: Company,
    project: Project | None,
    kind: str,
    date_from: dt.date,
    date_to: dt.date,
    campaign: Campaign | None = None,
    data: dict,
    actor: User,
) -> Report:
    """Write (create or change) the narrative of one report: highlights, problems, plan."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Unknown report kind.")})
    if (kind == ReportKind.CAMPAIGN) != (campaign is not None):
        raise ValidationError({"campaign": REPORT_CAMPAIGN_MISMATCH})
    if project is not None and project.company_id != company.pk:
        raise ValidationError({"project": _("The project belongs to another company.")})
    _require_write(actor, company, project)
    report = Report.objects.filter(
        company=company, project=project, kind=kind, date_from=date_from, date_to=date_to, campaign=campaign
    ).first() or Report(
        company=company, project=project, kind=kind, date_from=date_from, date_to=date_to, campaign=campaign
    )
    for name in NARRATIVE_FIELDS:
        if name in data:
            setattr(report, name, data[name] or "")
    report.updated_by = actor
    report.full_clean(validate_constraints=False)
    report.save()
    return report
