"""Every client now has a last contact (0006 filled it from the collection date)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_last_contact_from_collection"),
    ]

    operations = [
        migrations.AlterField(
            model_name="client",
            name="last_contact_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="La collecte compte comme premier contact.",
                verbose_name="dernier contact",
            ),
        ),
    ]
