"""The three staff roles, as groups the owner can edit afterwards in the admin.

- "Gérant": everything.
- "Équipe": clients, messages, appointments, documents, campaigns; no identity document, no
  audit trail, no rights request.
- "Délégué à la protection des données": rights requests and identity documents, the
  register, retention rules and legal holds, the purge history, the audit trail, and what
  those need to be read (clients, documents, consent records).

A group that already exists (by name) is left as the business set it.
"""

from django.db import migrations

from accounts.roles import roles_ensure


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are made after the last migration; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_tags_service_preferences"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
        ("consent", "0005_ledger_guard_for_the_owner_only"),
        ("dsar", "0002_restriction_applied_at"),
        ("retention", "0004_purge_lock_dies_with_its_process"),
        ("messaging", "0004_servicelevel_names"),
        ("portal", "0008_audit_checkpoint_signed"),
        ("account", "__latest__"),
        ("mfa", "__latest__"),
        ("usersessions", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
