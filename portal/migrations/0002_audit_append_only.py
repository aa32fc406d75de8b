"""The audit chain's head row, and on PostgreSQL a trigger that makes the trail append-only.

The only UPDATE the trigger lets through is an erasure's, which sets `portal.audit_scrub`
for its own transaction: it may blank whom an event was about (client, target, nonce), and
who did it only when that was the client themselves. Hashes, digests, actions, dates and
payloads never change, and rows are never deleted from the application. TRUNCATE is left to
the database owner (test databases are emptied with it).
"""

from django.db import migrations

from portal.db import run_on_postgresql

GUARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('portal.audit_scrub', true) = 'on'
       AND NEW.id = OLD.id
       AND NEW.at = OLD.at
       AND NEW.action = OLD.action
       AND NEW.actor_kind = OLD.actor_kind
       AND NEW.payload = OLD.payload
       AND NEW.actor_digest = OLD.actor_digest
       AND NEW.subject_digest = OLD.subject_digest
       AND NEW.prev_hash = OLD.prev_hash
       AND NEW.hash = OLD.hash
       AND NEW.scrubbed_at IS NOT NULL
       AND NEW.client_id IS NULL
       AND NEW.target_type = '' AND NEW.target_id = '' AND NEW.subject_nonce = ''
       AND (
            (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.ip IS NOT DISTINCT FROM OLD.ip)
            OR (OLD.actor_kind = 'client' AND NEW.actor_id IS NULL AND NEW.ip IS NULL)
       )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_guard();
"""


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": "0" * 64, "count": 0})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        run_on_postgresql(GUARD, UNGUARD),
    ]
