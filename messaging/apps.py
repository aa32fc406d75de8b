from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messagerie et notifications")

    def ready(self) -> None:
        from messaging import webhooks  # noqa: F401  (connects the tracking receiver)
