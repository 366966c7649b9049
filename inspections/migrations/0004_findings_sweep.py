from django.db import migrations, models


def forwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="inspections.sweep",
        defaults={"func": "inspections.tasks.sweep", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="inspections.sweep").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_schedules"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="capa",
            name="effectiveness_flagged_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the sweep reported the check as due (once per check).",
                null=True,
                verbose_name="effectiveness check flagged at",
            ),
        ),
        migrations.AlterField(
            model_name="capaevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("status", "Status changed"),
                    ("rejected", "Sent back"),
                    ("effectiveness", "Effectiveness checked"),
                    ("effectiveness_due", "Effectiveness check due"),
                    ("note", "Note"),
                ],
                default="status",
                max_length=20,
                verbose_name="event",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
