from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Client, Document, User
from accounts.services import client_refresh_digests
from portal.demo import minimal_pdf

PASSWORD = "Un-Mot-De-Passe-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@client.test")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    customer_number = factory.Sequence(lambda n: f"T{n:06d}")
    civility = Client.Civility.MRS
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda c: c.user.email if c.user else "")
    phone = "+33612345678"
    address_line1 = "3 chemin des Prés"
    postal_code = "70000"
    city = "Vesoul"
    status = Client.Status.CLIENT
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def digests(self, create: bool, extracted: object, **kwargs: object) -> None:
        # The services keep the contact digests; factories bypass them, so do it here.
        if create and client_refresh_digests(self):
            self.save(update_fields=["email_digest", "phone_digest"])


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    client = factory.SubFactory(ClientFactory)
    kind = Document.Kind.QUOTE
    title = factory.Sequence(lambda n: f"Devis n° {n}")
    reference = factory.Sequence(lambda n: f"D-{n:04d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    file = factory.LazyAttribute(lambda d: ContentFile(minimal_pdf(d.title), name="document.pdf"))
    content_type = "application/pdf"
    size = 600
    sha256 = "0" * 64
