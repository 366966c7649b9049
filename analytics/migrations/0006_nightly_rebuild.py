import datetime as dt

from django.db import migrations
from django.utils import timezone

NAME = "analytics.rebuild_recent"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Daily, first at 03:00 server time tomorrow (a quiet hour; django-q keeps the time of day).
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    first = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(3, 0)))
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "analytics.tasks.rebuild_recent", "schedule_type": "D", "repeats": -1, "next_run": first},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_reports")]

    operations = [migrations.RunPython(forwards, backwards)]
