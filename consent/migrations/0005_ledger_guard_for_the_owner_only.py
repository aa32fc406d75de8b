"""The consent ledger's exception (an erasure's blanking of address, browser, proof and note)
opens only for the owner of the table, the role that runs the migrations: the application
reaches it through a function owned by that role. TRUNCATE is refused but to a superuser.
See portal/migrations/0007 for the audit trail's."""

from django.db import migrations

from portal.db import run_on_postgresql

GUARD = """
CREATE OR REPLACE FUNCTION consent_consentrecord_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('portal.consent_scrub', true) = 'on'
       AND portal_is_table_owner(TG_RELID)
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
$$ LANGUAGE plpgsql SET search_path = pg_catalog, %(schema)s, pg_temp;

DROP TRIGGER IF EXISTS consent_consentrecord_no_truncate ON consent_consentrecord;
CREATE TRIGGER consent_consentrecord_no_truncate
    BEFORE TRUNCATE ON consent_consentrecord
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_truncate();

CREATE OR REPLACE FUNCTION consent_scrub(p_client_ids bigint[]) RETURNS bigint AS $$
DECLARE
    touched bigint;
BEGIN
    PERFORM set_config('portal.consent_scrub', 'on', true);
    UPDATE consent_consentrecord
       SET ip = NULL, user_agent = '', proof = '', note = '', scrubbed_at = now()
     WHERE client_id = ANY(p_client_ids) AND scrubbed_at IS NULL;
    GET DIAGNOSTICS touched = ROW_COUNT;
    PERFORM set_config('portal.consent_scrub', 'off', true);
    RETURN touched;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, %(schema)s, pg_temp;
"""

UNGUARD = """
DROP TRIGGER IF EXISTS consent_consentrecord_no_truncate ON consent_consentrecord;
DROP FUNCTION IF EXISTS consent_scrub(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_suppression_after_erasure"),
        ("portal", "0007_audit_chain_keyed_and_guarded"),
    ]

    operations = [run_on_postgresql(GUARD, UNGUARD)]
