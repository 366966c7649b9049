import json

from django.db import migrations
from django.utils import translation

SCHEDULES = [
    ("alerts.evaluate", "alerts.tasks.evaluate", "I", 1),
    ("alerts.evaluate_periodic", "alerts.tasks.evaluate_periodic", "H", None),
    ("alerts.deliver_due", "alerts.tasks.deliver_due", "I", 1),
]


def forwards(apps, schema_editor):
    from alerts.choices import DEFAULT_ESCALATION_MINUTES
    from alerts.defaults import DEFAULT_RULES

    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, kind, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1}
        )
    Company = apps.get_model("core", "Company")
    AlertRule = apps.get_model("alerts", "AlertRule")
    with translation.override("zh-hans"):
        for company in Company.objects.all():
            have = {(k, json.dumps(p, sort_keys=True)) for k, p in AlertRule.objects.filter(company=company).values_list("kind", "params")}
            for spec in DEFAULT_RULES:
                if (spec["kind"], json.dumps(spec["params"], sort_keys=True)) in have:
                    continue
                to_pm, to_qm = DEFAULT_ESCALATION_MINUTES[spec["severity"]]
                AlertRule.objects.get_or_create(
                    company=company,
                    name=str(spec["name"]),
                    defaults={
                        "kind": spec["kind"],
                        "severity": spec["severity"],
                        "params": spec["params"],
                        "escalate_pm_minutes": to_pm,
                        "escalate_qm_minutes": to_qm,
                    },
                )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("core", "0003_company_timezone"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
