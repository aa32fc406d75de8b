"""Collection is the first contact: a client with no last contact gets their collection
date, so that the inactivity rules reach them. Records already anonymised are marked so."""

import django.utils.timezone
from django.db import migrations, models


def fill(apps, schema_editor):
    Client = apps.get_model("accounts", "Client")
    Client.objects.filter(last_contact_at__isnull=True).update(
        last_contact_at=models.F("collected_at")
    )
    Client.objects.filter(last_name="Client effacé", email="", phone="").update(
        anonymised_at=models.F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_client_restricted_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymisé le"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
