"""The audit chain becomes keyed, and its exceptions close to the application's role.

- Every event's hash becomes an HMAC keyed with AUDIT_HMAC_KEY (from the environment, never
  in the database). The chain as it stands is verified first, with the unkeyed SHA-256 it
  was built with, and the migration refuses to go on if it is broken. It cannot tell apart
  a rewrite made before the upgrade by someone who recomputed those SHA-256 hashes: what it
  seals is what verified, no more.
- The append-only trigger lets its two exceptions (an erasure's blanking, the deletion of
  events past their retention) through only for the owner of the table, which is the role
  that runs the migrations. The application reaches them through two functions owned by
  that role (SECURITY DEFINER), which check what they are asked; the application's own role,
  which owns nothing, cannot open them with a session setting, alter the trigger or TRUNCATE.
- TRUNCATE is refused to everyone but a superuser (who could disable the trigger anyway:
  the test databases are emptied by one).
- Every function fixes its search_path, with the session's temporary schema last, so that
  no temporary table or function of the caller's can stand in for the real ones (a
  SECURITY DEFINER function would otherwise run the caller's code as the owner).
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations

from portal.db import run_on_postgresql

GENESIS = "0" * 64
# No event younger than this can be deleted by the application, whatever rule it has.
AUDIT_MIN_RETENTION_DAYS = 180

GUARD = """
CREATE OR REPLACE FUNCTION portal_is_table_owner(relation oid) RETURNS boolean AS $$
    SELECT pg_catalog.pg_has_role(
        current_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = relation),
        'MEMBER'
    )
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION portal_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION portal_auditevent_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('portal.audit_purge', true) = 'on'
       AND portal_is_table_owner(TG_RELID)
    THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND current_setting('portal.audit_scrub', true) = 'on'
       AND portal_is_table_owner(TG_RELID)
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
$$ LANGUAGE plpgsql SET search_path = pg_catalog, %(schema)s, pg_temp;

DROP TRIGGER IF EXISTS portal_auditevent_no_truncate ON portal_auditevent;
CREATE TRIGGER portal_auditevent_no_truncate
    BEFORE TRUNCATE ON portal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_truncate();

-- An erasure: whom events were about, and what the client did from where, are blanked.
CREATE OR REPLACE FUNCTION portal_audit_scrub(p_client_id bigint, p_user_id bigint)
RETURNS bigint AS $$
DECLARE
    touched bigint := 0;
    more bigint;
BEGIN
    PERFORM set_config('portal.audit_scrub', 'on', true);
    IF p_user_id IS NOT NULL THEN
        UPDATE portal_auditevent
           SET actor_id = NULL, ip = NULL, scrubbed_at = now(), client_id = NULL,
               target_type = '', target_id = '', subject_nonce = ''
         WHERE actor_id = p_user_id AND actor_kind = 'client';
        GET DIAGNOSTICS touched = ROW_COUNT;
    END IF;
    UPDATE portal_auditevent
       SET scrubbed_at = now(), client_id = NULL, target_type = '', target_id = '',
           subject_nonce = ''
     WHERE client_id = p_client_id;
    GET DIAGNOSTICS more = ROW_COUNT;
    PERFORM set_config('portal.audit_scrub', 'off', true);
    RETURN touched + more;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, %(schema)s, pg_temp;

-- Retention: the events from the start of the chain up to one, all old enough.
CREATE OR REPLACE FUNCTION portal_audit_purge_through(p_event_id bigint) RETURNS bigint AS $$
DECLARE
    deleted bigint;
BEGIN
    IF EXISTS (
        SELECT 1 FROM portal_auditevent
         WHERE id <= p_event_id AND at >= now() - make_interval(days => %(days)s)
    ) THEN
        RAISE EXCEPTION 'audit events younger than %(days)s days are never deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('portal.audit_purge', 'on', true);
    DELETE FROM portal_auditevent WHERE id <= p_event_id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('portal.audit_purge', 'off', true);
    RETURN deleted;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, %(schema)s, pg_temp;
""".replace("%(days)s", str(AUDIT_MIN_RETENTION_DAYS))

UNGUARD = """
DROP TRIGGER IF EXISTS portal_auditevent_no_truncate ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_audit_scrub(bigint, bigint);
DROP FUNCTION IF EXISTS portal_audit_purge_through(bigint);
"""


def _canonical(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _content(prev, row):
    return _canonical(
        {
            "prev": prev,
            "at": row["at"].astimezone(UTC).isoformat(timespec="microseconds"),
            "action": row["action"],
            "actor_kind": row["actor_kind"],
            "payload": row["payload"],
            "actor": row["actor_digest"],
            "subject": row["subject_digest"],
        }
    )


def rekey(apps, schema_editor):
    """Verify the unkeyed chain, then seal it again with the key."""
    AuditEvent = apps.get_model("portal", "AuditEvent")
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or not head.last_event_id:
        return
    key = settings.AUDIT_HMAC_KEY.encode()
    old_prev, new_prev = head.anchor_hash or GENESIS, head.anchor_hash or GENESIS
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
    rows = AuditEvent.objects.filter(
        id__gt=head.anchor_event_id or 0, id__lte=head.last_event_id
    ).order_by("id")
    for row in rows.values().iterator(chunk_size=2000):
        if row["prev_hash"] != old_prev or hashlib.sha256(_content(old_prev, row)).hexdigest() != row[
            "hash"
        ]:
            raise RuntimeError(
                f"The audit chain is broken at event {row['id']}: it is not sealed again. "
                "Run verify_audit_chain on the previous version and investigate first."
            )
        old_prev = row["hash"]
        new_hash = hmac.new(key, _content(new_prev, row), hashlib.sha256).hexdigest()
        AuditEvent.objects.filter(pk=row["id"]).update(prev_hash=new_prev, hash=new_hash)
        new_prev = new_hash
    if old_prev != head.last_hash:
        raise RuntimeError("The audit chain's last events are missing: it is not sealed again.")
    AuditChainHead.objects.filter(pk=1).update(last_hash=new_prev)
    if postgres:
        schema_editor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_file_deletion_journal")]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
        run_on_postgresql(GUARD, UNGUARD),
    ]
