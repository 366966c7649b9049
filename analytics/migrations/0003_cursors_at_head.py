"""The refresh job starts at the newest events: history before it is rolled up by the operators'
``manage.py rollup_rebuild`` (a month at a time), not by the job reading millions of old events
20,000 per pass. On an empty database the cursors start at 0."""

from django.db import migrations
from django.db.models import Max

SOURCES = [
    ("workorders.WorkOrderEvent", "workorders", "WorkOrderEvent"),
    ("plans.TaskEvent", "plans", "TaskEvent"),
    ("inspections.FindingEvent", "inspections", "FindingEvent"),
    ("plans.Task", "plans", "Task"),
]


def forwards(apps, schema_editor):
    RollupCursor = apps.get_model("analytics", "RollupCursor")
    for source, app, model in SOURCES:
        head = apps.get_model(app, model).objects.aggregate(head=Max("id"))["head"] or 0
        RollupCursor.objects.update_or_create(source=source, defaults={"last_id": head, "recent_ids": []})


def backwards(apps, schema_editor):
    apps.get_model("analytics", "RollupCursor").objects.filter(source__in=[s[0] for s in SOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_schedule"),
        ("workorders", "0003_weather_warning"),
        ("plans", "0002_schedules"),
        ("inspections", "0006_labels"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
