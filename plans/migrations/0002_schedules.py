from django.db import migrations


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="plans.generate",
        defaults={"func": "plans.tasks.generate", "schedule_type": "H", "repeats": -1},
    )
    Schedule.objects.update_or_create(
        name="plans.sweep",
        defaults={"func": "plans.tasks.sweep", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=["plans.generate", "plans.sweep"]).delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
