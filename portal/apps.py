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


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the portal's own site (portal/admin_site.py)."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
