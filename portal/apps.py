from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Portail")

    def ready(self) -> None:
        from portal import jobs, personal_data

        personal_data.autodiscover()
        assert jobs.JOBS  # its signal handlers record the periodic jobs' runs
        _name_third_party_models()


def _name_third_party_models() -> None:
    """allauth's two-factor and session models, named in French in the admin."""
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.apps import apps

    apps.get_app_config("mfa").verbose_name = _("Double authentification")
    apps.get_app_config("usersessions").verbose_name = _("Sessions")
    Authenticator._meta.verbose_name = _("authentificateur")
    Authenticator._meta.verbose_name_plural = _("authentificateurs")
    UserSession._meta.verbose_name = _("session de connexion")
    UserSession._meta.verbose_name_plural = _("sessions de connexion")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the portal's own site (portal/admin_site.py)."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
