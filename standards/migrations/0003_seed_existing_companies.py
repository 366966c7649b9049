from django.db import migrations


def forwards(apps, schema_editor):
    # Companies created from now on are seeded by core.services.company_create; this gives the
    # ones that already exist (demo data, live tenants) the same defaults. If a later migration
    # adds a field that standards.defaults sets, freeze a copy of the seed here.
    from standards.defaults import seed_company

    models = {
        "Profile": apps.get_model("standards", "ServiceLevelProfile"),
        "Setting": apps.get_model("standards", "ProfileSetting"),
        "Item": apps.get_model("standards", "StandardItem"),
        "Revision": apps.get_model("standards", "StandardRevision"),
    }
    for company_id in apps.get_model("core", "Company").objects.values_list("id", flat=True):
        seed_company(company_id, **models)


class Migration(migrations.Migration):
    dependencies = [("standards", "0002_profilesetting_limit_minutes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
