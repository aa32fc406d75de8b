from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import mfa_views
from accounts import views as account_views
from consent import views as consent_views
from consent import webhooks as consent_webhooks
from dsar import views as dsar_views
from messaging import views as messaging_views
from messaging import webhooks as messaging_webhooks
from portal import views
from retention import views as retention_views

# Staff log in through allauth, so that the login is throttled and asks for the TOTP code.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Espace client — administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Clients, demandes et données personnelles")

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("sante/web/", views.health_web, name="health_web"),
    path("confidentialite/", views.privacy_policy, name="privacy_policy"),
    path("espace-client/", account_views.dashboard, name="client_dashboard"),
    path(
        "espace-client/donnees-personnelles/",
        account_views.personal_data,
        name="client_personal_data",
    ),
    path(
        "espace-client/donnees-personnelles/consultations/",
        account_views.access_log,
        name="client_access_log",
    ),
    path(
        "espace-client/donnees-personnelles/choix/historique/",
        consent_views.history,
        name="consent_history",
    ),
    path(
        "espace-client/donnees-personnelles/choix/tout-refuser/",
        consent_views.withdraw_all,
        name="consent_withdraw_all",
    ),
    path(
        "espace-client/donnees-personnelles/choix/<slug:key>/",
        consent_views.choice_set,
        name="consent_choice_set",
    ),
    path(
        "espace-client/donnees-personnelles/demandes/nouvelle/<slug:kind>/",
        dsar_views.new_request,
        name="dsar_new_request",
    ),
    path(
        "espace-client/donnees-personnelles/demandes/<str:reference>/",
        dsar_views.request_detail,
        name="dsar_request_detail",
    ),
    path(
        "espace-client/donnees-personnelles/demandes/<str:reference>/retirer/",
        dsar_views.request_withdraw_view,
        name="dsar_request_withdraw",
    ),
    path(
        "espace-client/donnees-personnelles/archives/<uuid:public_id>/",
        dsar_views.archive_download,
        name="dsar_archive_download",
    ),
    path(
        "espace-client/donnees-personnelles/directives/",
        dsar_views.post_mortem_edit,
        name="dsar_post_mortem",
    ),
    path(
        "espace-client/donnees-personnelles/directives/revoquer/",
        dsar_views.post_mortem_revoke,
        name="dsar_post_mortem_revoke",
    ),
    path("espace-client/messagerie/", messaging_views.thread_list, name="messaging_threads"),
    path(
        "espace-client/messagerie/nouveau/",
        messaging_views.thread_new,
        name="messaging_thread_new",
    ),
    path(
        "espace-client/messagerie/preferences/",
        messaging_views.preferences_update,
        name="messaging_preferences",
    ),
    path(
        "espace-client/messagerie/pieces-jointes/<uuid:public_id>/",
        messaging_views.attachment_download,
        name="messaging_attachment",
    ),
    path(
        "espace-client/messagerie/<uuid:public_id>/",
        messaging_views.thread_detail,
        name="messaging_thread",
    ),
    path("espace-client/documents/", account_views.documents, name="client_documents"),
    path(
        "espace-client/documents/<uuid:public_id>/",
        account_views.document_download,
        name="client_document_download",
    ),
    path(
        "compte/invitation/<str:token>/",
        account_views.invitation_accept,
        name="invitation_accept",
    ),
    path("desinscription/<str:token>/", consent_views.unsubscribe, name="consent_unsubscribe"),
    path("contact/", consent_views.contact, name="contact"),
    path("conserver/<str:token>/", retention_views.keep, name="retention_keep"),
    path("cookies/", consent_views.cookie_preferences, name="cookie_preferences"),
    path("contact/confirmation/<str:token>/", consent_views.confirm, name="consent_confirm"),
    path("webhooks/twilio/sms/", consent_webhooks.twilio_inbound_sms, name="twilio_inbound_sms"),
    path("webhooks/twilio/status/", messaging_webhooks.twilio_status, name="twilio_status"),
    path(
        "anymail/brevo/tracking/",
        messaging_webhooks.BrevoTracking.as_view(),
        name="anymail_brevo_tracking",
    ),
    # The first enrolment returns to the page the person was going to (accounts/mfa_views.py).
    path("compte/2fa/totp/activate/", mfa_views.activate_totp, name="mfa_activate_totp"),
    path("compte/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
