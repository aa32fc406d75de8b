"""The four purposes every business starts with, and on PostgreSQL a trigger that makes the
consent ledger append-only: the only UPDATE it lets through is an erasure's, which sets
`portal.consent_scrub` for its transaction and may only blank ip, user agent, proof and note."""

from django.db import migrations

from portal.db import run_on_postgresql

GUARD = """
CREATE OR REPLACE FUNCTION consent_consentrecord_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('portal.consent_scrub', true) = 'on'
       AND NEW.id = OLD.id
       AND NEW.client_id = OLD.client_id
       AND NEW.purpose_id = OLD.purpose_id
       AND NEW.granted = OLD.granted
       AND NEW.wording_id = OLD.wording_id
       AND NEW.method = OLD.method
       AND NEW.at = OLD.at
       AND NEW.recorded_by_id IS NOT DISTINCT FROM OLD.recorded_by_id
       AND NEW.ip IS NULL AND NEW.user_agent = '' AND NEW.proof = '' AND NEW.note = ''
       AND NEW.scrubbed_at IS NOT NULL
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent_consentrecord is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_consentrecord_append_only
    BEFORE UPDATE OR DELETE ON consent_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_consentrecord_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS consent_consentrecord_append_only ON consent_consentrecord;
DROP FUNCTION IF EXISTS consent_consentrecord_guard();
"""


def create_purposes(apps, schema_editor):
    from consent.defaults import ensure_default_purposes

    ensure_default_purposes(
        apps.get_model("consent", "Purpose"), apps.get_model("consent", "PurposeWording")
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [
        migrations.RunPython(create_purposes, migrations.RunPython.noop),
        run_on_postgresql(GUARD, UNGUARD),
    ]
