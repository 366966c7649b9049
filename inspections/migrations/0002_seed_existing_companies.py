from django.db import migrations


def forwards(apps, schema_editor):
    # Companies created from now on are seeded by core.services.company_create; this gives the
    # ones that already exist the starter checklists, built from their standards library. If a
    # later migration adds a field that inspections.defaults sets, freeze a copy of the seed here.
    from inspections.defaults import seed_company

    models = {
        "Template": apps.get_model("inspections", "ChecklistTemplate"),
        "Version": apps.get_model("inspections", "ChecklistVersion"),
        "Item": apps.get_model("inspections", "ChecklistItem"),
        "StandardItem": apps.get_model("standards", "StandardItem"),
    }
    for company_id in apps.get_model("core", "Company").objects.values_list("id", flat=True):
        seed_company(company_id, **models)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial"), ("standards", "0003_seed_existing_companies")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
