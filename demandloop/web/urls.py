"""Pages: sign-in, each role's page, a demand and its actions, registration, figures, error pages."""

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from demandloop.web import views
from demandloop.web.views import (
    account,
    audit,
    city,
    dashboard,
    demand,
    enterprises,
    hub,
    portal,
    security,
    whistles,
    work,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/sessions/end/", account.end_own_sessions, name="account_sessions_end"),
    path("accounts/two-factor/", account.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/set-up/", account.two_factor_set_up, name="two_factor_set_up"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("healthz", views.healthz, name="healthz"),
    # Pages name their icon; the admin, the API docs and other clients ask for /favicon.ico. Lazy: in production
    # the hashed name comes from collectstatic's manifest, which need not exist when the URLs are imported.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("web/favicon.svg")), name="favicon"),
    path("work/", work.workbench, name="workbench"),
    path("inbox/", work.inbox, name="inbox"),
    path("leader/", work.leader, name="leader"),
    path("dispatch/", work.dispatch, name="dispatch"),
    path("hub/", hub.hub, name="hub"),
    path("hub/export.xlsx", hub.hub_export, name="hub_export"),
    path("hub/queues/<slug:name>/", hub.hub_queue, name="hub_queue"),
    path("hub/common-problems/", hub.hub_common_problems, name="hub_common_problems"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("city/", city.city_desk, name="city_desk"),
    path("portal/", portal.portal, name="portal"),
    path("portal/new/", portal.portal_submit, name="portal_submit"),
    path("portal/policies/", portal.portal_policies, name="portal_policies"),
    path("portal/policies/handbook.docx", portal.portal_handbook, name="portal_handbook"),
    path("demands/new/", demand.register_demand, name="register_demand"),
    path("demands/suggest/", demand.suggest, name="demand_suggest"),
    path("demands/<int:pk>/", demand.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/actions/<slug:action>/", demand.demand_action, name="demand_action"),
    path(
        "demands/<int:pk>/attachments/<int:attachment_id>/",
        demand.attachment_download,
        name="demand_attachment",
    ),
    path("demands/<int:pk>/whistle/", whistles.blow_whistle, name="demand_whistle"),
    path("demands/<int:pk>/supervise/", whistles.supervise, name="demand_supervise"),
    path("whistles/responses/<int:pk>/report-in/", whistles.report_in, name="whistle_report_in"),
    path("audit/", audit.audit_trail, name="audit_trail"),
    path("audit/export.xlsx", audit.audit_export, name="audit_export"),
    path("security/", security.security_page, name="security"),
    path("security/policy/", security.security_policy, name="security_policy"),
    path("security/unlock/", security.security_unlock, name="security_unlock"),
    path("security/require-change/", security.security_require_change, name="security_require_change"),
    path("security/end-session/", security.security_end_session, name="security_end_session"),
    path("security/revoke-token/", security.security_revoke_token, name="security_revoke_token"),
    path("security/reset-two-factor/", security.security_reset_two_factor, name="security_reset_two_factor"),
    path("enterprises/", enterprises.enterprise_list, name="enterprise_list"),
    path("enterprises/search/", demand.enterprise_search, name="enterprise_search"),
    path("enterprises/import/", enterprises.ledger_import, name="ledger_import"),
    path("enterprises/<int:pk>/", enterprises.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/pick/", demand.enterprise_pick, name="enterprise_pick"),
]
