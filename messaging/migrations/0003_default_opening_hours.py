import datetime as dt

from django.db import migrations

# Monday to Friday 9h–12h and 14h–18h, Saturday morning: what most of the five businesses
# publish. Staff change them in the admin.
DEFAULT_PERIODS = [
    *[(day, dt.time(9), dt.time(12)) for day in range(1, 7)],
    *[(day, dt.time(14), dt.time(18)) for day in range(1, 6)],
]


def create_defaults(apps, schema_editor):
    ServiceLevel = apps.get_model("messaging", "ServiceLevel")
    OpeningPeriod = apps.get_model("messaging", "OpeningPeriod")
    level, created = ServiceLevel.objects.get_or_create(pk=1)
    if created or not OpeningPeriod.objects.filter(service_level=level).exists():
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(service_level=level, weekday=d, opens=o, closes=c)
            for d, o, c in DEFAULT_PERIODS
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_threads_appointments_campaigns")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
