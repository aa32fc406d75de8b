"""Staff accounts: the owner's (`create_owner`) and each colleague's, invited from the admin
with a role. The account is verified and has no password; a one-time link sets it, and the
first visit of the admin enrols an authenticator."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.roles import roles_ensure
from portal.audit import Actor, audit_log


def staff_account(*, email: str, role: str, by: Actor) -> tuple[User, bool]:
    """The staff account for `email` with the role `role`, created if missing. Returns the
    account and whether it was created."""
    with transaction.atomic():
        roles_ensure()
        group = Group.objects.get(name=role)
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            return user, False
        user = User(email=email, is_staff=True)
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        audit_log(action="accounts.staff.created", by=by, target=user, payload={"role": group.pk})
    return user, True


def password_link(user: User) -> str:
    """A one-time link (PASSWORD_RESET_TIMEOUT) where the person chooses their password."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PORTAL_BASE_URL}{path}"
