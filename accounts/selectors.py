"""Reads of clients and their documents."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Client, Document


def client_documents(*, client: Client) -> QuerySet[Document]:
    """The client's own documents, without those moved to the restricted legal archive."""
    return Document.objects.filter(client=client, archived_at__isnull=True)


def client_document(*, client: Client, public_id: uuid.UUID) -> Document:
    """One of the client's documents; 404 for anybody else's, so that none can be probed."""
    document = client_documents(client=client).filter(public_id=public_id).first()
    if document is None:
        raise Http404
    return document
