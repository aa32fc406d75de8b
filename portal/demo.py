"""Demo data: a business, two staff members and three clients with documents.

Running it again changes nothing that exists: every object is looked up before it is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Client, ClientTag, Document, Tag, User
from accounts.roles import DPO_GROUP, OWNER_GROUP, TEAM_GROUP, roles_ensure
from consent.models import ConsentRecord, Method, Purpose
from consent.services import Proof, consent_set
from dsar.models import DataRequest, Kind, RequestChannel
from dsar.services.requests import request_create
from portal.audit import Actor
from portal.models import Controller, JobRun
from retention.presets import preset_apply

STAFF_PASSWORD = "Equipe-Demo-2026!"
CLIENT_PASSWORD = "Piscine-Demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


def minimal_pdf(*lines: str) -> bytes:
    """A one-page PDF showing a few lines of text (Latin-1), enough for a demo document."""
    text = (
        "BT /F1 14 Tf 60 780 Td 18 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _group(name: str) -> Group:
    """A role as the migrations created it (accounts/roles.py), or as the business has
    since edited it."""
    roles_ensure()
    return Group.objects.get(name=name)


def _login(email: str, password: str, *, is_staff: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _choices(client: Client, choices: dict[str, bool], method: str) -> None:
    """The client's marketing choices, made once (a second run leaves the history as is)."""
    if ConsentRecord.objects.filter(client=client).exists():
        return
    by = Actor(user=client.user, kind="client")
    for key, granted in choices.items():
        consent_set(
            client=client,
            purpose=Purpose.objects.get(key=key),
            granted=granted,
            proof=Proof(method=method),
            by=by,
        )


CANNED_REPLIES = [
    (
        "Accusé de réception",
        "Bonjour {prenom},\n\nMerci pour votre message : nous l'étudions et revenons vers vous "
        "très vite.\n\nL'équipe Piscines du Val",
    ),
    (
        "Passage d'un technicien",
        "Bonjour {prenom},\n\nUn technicien peut passer chez vous. Quelles sont vos "
        "disponibilités cette semaine ?",
    ),
    (
        "Eau verte",
        "Bonjour {prenom},\n\nPour une eau verte : brossez les parois, faites un traitement "
        "choc au chlore, filtrez 48 h en continu, puis nettoyez le filtre.",
    ),
]


def _messages(alice: Client, chantal: Client, staff: User) -> None:
    """Canned replies, a tag, an appointment and three threads: one answered, one waiting
    from a loyalty-card holder, one overdue."""
    from messaging.models import Appointment, CannedReply, Thread
    from messaging.services.threads import client_message_post, staff_message_post, thread_create

    for title, body in CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})
    tag, _created = Tag.objects.get_or_create(name="Piscine coque")
    ClientTag.objects.get_or_create(client=alice, tag=tag)
    if Thread.objects.exists():
        return
    answered = thread_create(
        client=alice,
        subject="Robot nettoyeur qui ne monte plus aux parois",
        category=Thread.Category.AFTER_SALES,
        body="Bonjour, depuis une semaine le robot reste au fond du bassin. Que faire ?",
        by=Actor(user=alice.user),
    )
    staff_message_post(
        thread=answered,
        body="Bonjour Alice, nettoyez le filtre du robot et vérifiez les brosses. "
        "Si rien ne change, nous passons le récupérer.",
        by=Actor(user=staff),
    )
    client_message_post(
        thread=answered,
        body="C'était le filtre, merci ! Pouvez-vous me faire un devis pour des brosses neuves ?",
        by=Actor(user=alice.user),
    )
    thread_create(
        client=chantal,
        subject="Liner décollé",
        category=Thread.Category.SUPPORT,
        body="Le liner se décolle près de l'escalier. Est-ce encore sous garantie ?",
        by=Actor(user=chantal.user),
    )
    overdue = thread_create(
        client=chantal,
        subject="Demande de devis couverture",
        category=Thread.Category.QUOTE,
        body="Je voudrais un devis pour une couverture à barres.",
        by=Actor(user=chantal.user),
    )
    Thread.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    visit = timezone.localtime() + dt.timedelta(days=3)
    Appointment.objects.get_or_create(
        client=alice,
        kind=Appointment.Kind.MAINTENANCE,
        defaults={
            "starts_at": visit.replace(hour=9, minute=30, second=0, microsecond=0),
            "note": "Remise en route de la filtration et analyse de l'eau.",
            "created_by": staff,
        },
    )


def _requests(alice: Client, bruno: Client) -> None:
    """A few requests, so that the inbox shows its colours: one due within the week, one
    overdue received by letter from someone who is not a client, one just received."""
    if DataRequest.objects.exists():
        return
    now = timezone.now()
    request_create(
        kind=Kind.RECTIFICATION,
        channel=RequestChannel.PORTAL,
        client=alice,
        details="Mon adresse a changé : 5 chemin des Prés.",
        received_at=now - dt.timedelta(days=26),
        by=Actor(user=alice.user),
    )
    request_create(
        kind=Kind.ACCESS,
        channel=RequestChannel.LETTER,
        requester_name="Jean Dupont",
        requester_address="1 rue du Port\n70000 Vesoul",
        details="Courrier demandant la copie de ses données.",
        received_at=now - dt.timedelta(days=34),
        by=Actor.system(),
    )
    request_create(
        kind=Kind.ACCESS, channel=RequestChannel.PORTAL, client=bruno, by=Actor(user=bruno.user)
    )


def _story(alice: Client, chantal: Client, dpo: User, staff: User) -> None:
    """What makes every page tell something: a request answered (the dashboard's figures),
    one whose requester's identity is in doubt, post-mortem directives, a legal hold, a
    service alert sent, and a few nights of purge history."""
    from dsar.models import PostMortemDirective
    from dsar.services.identity import identity_record_doubt, identity_verify
    from dsar.services.post_mortem import post_mortem_save
    from dsar.services.requests import request_close
    from messaging.models import Campaign
    from messaging.services.campaigns import campaign_fan_out, campaign_schedule
    from retention.models import LegalHold, PurgeRun

    now = timezone.now()
    by_dpo = Actor(user=dpo)
    if not DataRequest.objects.filter(status="done").exists():
        answered = request_create(
            kind=Kind.ACCESS,
            channel=RequestChannel.EMAIL,
            client=chantal,
            details="Par e-mail : copie de mes données.",
            received_at=now - dt.timedelta(days=20),
            by=by_dpo,
        )
        identity_verify(request=answered, by=by_dpo)  # the address on file
        request_close(
            request=answered,
            answer="Copie envoyée par courrier recommandé, à votre demande.",
            by=by_dpo,
        )
        doubted = request_create(
            kind=Kind.ERASURE,
            channel=RequestChannel.EMAIL,
            requester_name="Chantal Moreau",
            requester_email="c.moreau@autre-adresse.test",
            details="Effacez tout, je déménage.",
            received_at=now - dt.timedelta(days=3),
            by=by_dpo,
        )
        identity_record_doubt(
            request=doubted,
            reason="L'adresse d'envoi n'est pas celle que nous connaissons pour cette cliente.",
            by=by_dpo,
        )
    if not PostMortemDirective.objects.filter(client=alice).exists():
        post_mortem_save(
            client=alice,
            data={
                "choice": PostMortemDirective.Choice.COMMUNICATE,
                "trusted_person_name": "Paul Martin",
                "trusted_person_contact": "paul.martin@client.test",
                "instructions": "Transmettre les factures de la piscine.",
            },
            by=Actor(user=alice.user),
        )
    if not LegalHold.objects.exists():
        LegalHold.objects.create(
            client=chantal,
            reason=LegalHold.Reason.UNPAID,
            legal_reference="Code civil, art. 2224 : action en paiement, 5 ans",
            note="Facture F-2024-0088 restée impayée.",
            starts_on=timezone.localdate() - dt.timedelta(days=200),
            created_by=dpo,
        )
    if not Campaign.objects.exists():
        alert = Campaign.objects.create(
            name="Alerte gel",
            kind=Campaign.Kind.ALERT,
            subject="Risque de gel cette nuit",
            body="Mettez la filtration en marche forcée cette nuit : il va geler.",
            by_email=True,
            by_sms=False,
        )
        campaign_schedule(campaign=alert, at=now, by=Actor(user=staff))
        campaign_fan_out(alert.pk)
    if not PurgeRun.objects.exists():
        for night, total in enumerate((0, 3, 12, 1, 0, 7, 2)):
            started = now.replace(hour=1, minute=0) - dt.timedelta(days=7 - night)
            PurgeRun.objects.create(
                started_at=started,
                finished_at=started + dt.timedelta(seconds=40),
                status=PurgeRun.Status.DONE,
                runner="beat",
                total=total,
            )
            JobRun.objects.create(
                job="retention.tasks.purge",
                started_at=started,
                finished_at=started + dt.timedelta(seconds=40),
                ok=True,
                result=str(total),
            )


def _client(
    *, email: str, data: dict[str, object], documents: list[tuple[str, str, str, dt.date]]
) -> Client:
    user = _login(email, CLIENT_PASSWORD)
    client = Client.objects.filter(user=user).first()
    system = Actor.system()
    if client is None:
        client = accounts.client_create(data={**data, "email": email, "user": user}, by=system)
    if not client.documents.exists():
        for kind, title, reference, issued_on in documents:
            pdf = minimal_pdf(
                title, f"Client {client.customer_number} - {client.full_name}", reference
            )
            accounts.document_add(
                client=client,
                kind=kind,
                title=title,
                reference=reference,
                issued_on=issued_on,
                upload=SimpleUploadedFile("document.pdf", pdf, content_type="application/pdf"),
                by=system,
            )
    return client


@transaction.atomic
def demo_seed() -> list[DemoLogin]:
    today = timezone.localdate()
    controller = Controller.load()
    if controller.name == Controller._meta.get_field("name").default:
        controller.name = "Piscines du Val SARL"
        controller.trade_name = "Piscines du Val"
        controller.legal_form = "SARL"
        controller.siren = "123 456 789"
        controller.address = "12 rue des Lilas\n70000 Vesoul"
        controller.email = "contact@entreprise.test"
        controller.phone = "03 84 00 00 00"
        controller.dpo_name = "Camille Bernard"
        controller.dpo_email = "dpo@entreprise.test"
        controller.dpo_address = "Piscines du Val — DPO\n12 rue des Lilas\n70000 Vesoul"
        controller.save()

    owner = _login("gerant@entreprise.test", STAFF_PASSWORD, is_staff=True)
    owner.groups.add(_group(OWNER_GROUP))
    staff = _login("equipe@entreprise.test", STAFF_PASSWORD, is_staff=True)
    staff.groups.add(_group(TEAM_GROUP))
    dpo = _login("dpo@entreprise.test", STAFF_PASSWORD, is_staff=True)
    dpo.groups.add(_group(DPO_GROUP))

    alice = _client(
        email="alice@client.test",
        data={
            "civility": Client.Civility.MRS,
            "first_name": "Alice",
            "last_name": "Martin",
            "phone": "+33612345678",
            "address_line1": "3 chemin des Prés",
            "postal_code": "70000",
            "city": "Vesoul",
            "status": Client.Status.CLIENT,
            "collected_at": timezone.now() - dt.timedelta(days=900),
            "last_purchase_on": today - dt.timedelta(days=40),
            "last_contact_at": timezone.now() - dt.timedelta(days=10),
            "loyalty_card_valid_until": today + dt.timedelta(days=300),
        },
        documents=[
            (
                Document.Kind.QUOTE,
                "Devis rénovation du liner",
                "D-2026-0142",
                today - dt.timedelta(days=60),
            ),
            (
                Document.Kind.INVOICE,
                "Facture rénovation du liner",
                "F-2026-0311",
                today - dt.timedelta(days=40),
            ),
            (
                Document.Kind.MANUAL,
                "Notice de la pompe à chaleur",
                "",
                today - dt.timedelta(days=40),
            ),
        ],
    )
    bruno = _client(
        email="bruno@client.test",
        data={
            "civility": Client.Civility.MR,
            "first_name": "Bruno",
            "last_name": "Petit",
            "phone": "+33698765432",
            "postal_code": "70200",
            "city": "Lure",
            "status": Client.Status.PROSPECT,
            "source": "Salon Habitat de Vesoul",
            "collected_at": timezone.now() - dt.timedelta(days=120),
            "last_contact_at": timezone.now() - dt.timedelta(days=90),
        },
        documents=[
            (
                Document.Kind.QUOTE,
                "Devis piscine coque 8 x 4",
                "D-2026-0177",
                today - dt.timedelta(days=90),
            ),
        ],
    )
    chantal = _client(
        email="chantal@client.test",
        data={
            "civility": Client.Civility.MRS,
            "first_name": "Chantal",
            "last_name": "Moreau",
            "phone": "+33745678901",
            "address_line1": "8 rue du Moulin",
            "postal_code": "25000",
            "city": "Besançon",
            "status": Client.Status.FORMER,
            "collected_at": timezone.now() - dt.timedelta(days=1500),
            "last_purchase_on": today - dt.timedelta(days=800),
            "relationship_ended_on": today - dt.timedelta(days=700),
        },
        documents=[
            (
                Document.Kind.INVOICE,
                "Facture mise en hivernage",
                "F-2024-0088",
                today - dt.timedelta(days=800),
            ),
            (
                Document.Kind.DELIVERY_NOTE,
                "Bon de livraison robot nettoyeur",
                "BL-2024-0031",
                today - dt.timedelta(days=805),
            ),
        ],
    )
    _requests(alice, bruno)
    _messages(alice, chantal, staff)
    _story(alice, chantal, dpo, staff)
    # The demo business installs pools: its register and retention rules.
    preset_apply("piscine")
    _choices(alice, {"marketing_email": True, "newsletter": True}, Method.PORTAL)
    _choices(bruno, {"marketing_sms": True}, Method.FORM)
    # Withdrawing every purpose puts her on the suppression list.
    _choices(chantal, {p.key: False for p in Purpose.objects.filter(is_active=True)}, Method.PORTAL)
    return [
        DemoLogin("gérant (toute l'administration)", owner.email, STAFF_PASSWORD),
        DemoLogin(
            "équipe (clients, messages, rendez-vous, documents, campagnes)",
            staff.email,
            STAFF_PASSWORD,
        ),
        DemoLogin(
            "délégué à la protection des données (demandes, registre, journal)",
            dpo.email,
            STAFF_PASSWORD,
        ),
        DemoLogin("cliente avec carte de fidélité", "alice@client.test", CLIENT_PASSWORD),
        DemoLogin("prospect", "bruno@client.test", CLIENT_PASSWORD),
        DemoLogin("ancienne cliente", "chantal@client.test", CLIENT_PASSWORD),
    ]
