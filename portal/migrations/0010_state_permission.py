"""Who sees "État du portail": the owner and the data protection officer."""

from django.db import migrations

ROLES = ("Gérant", "Délégué à la protection des données")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="portal", codename__in=("view_portal_state", "view_jobrun")
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0009_job_runs"),
        ("accounts", "0009_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
