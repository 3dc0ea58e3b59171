"""Who may open which page, decided in one place.

A page belongs to roles (the officer workbench to the first line, the hub console to the hub …). A user holding
none of them gets the same 404 as for a missing page (STYLE.md rule 3: outside the scope is 404, never 403), so
the URL of a page tells nobody that it exists. What a page then shows always comes from the scoped querysets
(`Demand.objects.for_user`, `Enterprise.objects.for_user`), never from hiding links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.org.choices import DISTRICT_ROLES, FIRST_LINE
from demandloop.org.choices import RoleChoices as R
from demandloop.org.scope import resolve_scope

DEPARTMENT = frozenset({R.COORDINATOR, R.DEPT_LEAD})
# Everyone who works on demands for a district (not the enterprise, not the separated administrators).
DEMAND_STAFF = FIRST_LINE | DEPARTMENT | {R.LEADER, R.HUB, R.DISPATCHER}
# Who registers a demand on an enterprise's behalf (企业诉求直通车, 12345 work orders).
INTAKE = FIRST_LINE | {R.HUB, R.DISPATCHER}
# The city desk of a city-wide deployment reaches the demands transferred to the city (their pages, nothing more).
EVERY_DEMAND_ROLE = DEMAND_STAFF | {R.ENTERPRISE, R.CITY}
# Who opens the solicitation campaigns (定期征询): the hub, and who answers for a locality or a department.
SOLICITATION = frozenset({R.HUB, R.OFFICER, R.SOCIAL_OFFICER, R.COORDINATOR, R.DEPT_LEAD})


@dataclass(frozen=True)
class Page:
    """A role's page in the navigation bar."""

    url_name: str
    label: str | Promise
    roles: frozenset[str]


# The order is the order of the navigation bar.
PAGES: tuple[Page, ...] = (
    Page("portal", _("My demands"), frozenset({R.ENTERPRISE})),
    Page("city_desk", _("City desk"), frozenset({R.CITY})),
    Page("portal_policies", _("Policies and FAQ"), frozenset({R.ENTERPRISE})),
    Page("workbench", _("Workbench"), FIRST_LINE),
    Page("inbox", _("Department inbox"), DEPARTMENT),
    Page("leader", _("My areas"), frozenset({R.LEADER})),
    Page("dispatch", _("Work orders"), frozenset({R.DISPATCHER})),
    # The 12345 ledger and its import: the dispatcher's daily tool (the hub reaches it from its console).
    Page("hotline_orders", _("12345 ledger"), frozenset({R.DISPATCHER})),
    Page("hub", _("Hub console"), frozenset({R.HUB})),
    Page("meeting_list", _("Whistles and meetings"), DEMAND_STAFF),
    Page("delivery_list", _("Message deliveries"), frozenset({R.HUB})),
    Page("register_demand", _("Register a demand"), INTAKE),
    Page("enterprise_list", _("Enterprises"), FIRST_LINE | {R.LEADER, R.HUB, R.DISPATCHER}),
    Page("dashboard", _("Figures"), DEMAND_STAFF),
    Page("monthly_report", _("Monthly report"), frozenset(DISTRICT_ROLES)),
    # Everyone else who works on demands reads the reports the hub issued (the hub finds them from its draft).
    Page("issued_report_list", _("Monthly report"), DEMAND_STAFF - DISTRICT_ROLES),
    # 定期征询: the hub asks; the people of the localities and departments asked reply.
    Page("solicitation_list", _("Solicitation"), SOLICITATION),
    Page("case_list", _("Typical cases"), DEMAND_STAFF),
    # The handbook of answers (静海 §四(一)): every colleague reads it, the hub keeps it.
    Page("handbook", pgettext_lazy("FAQ", "Handbook"), DEMAND_STAFF),
    Page("case_showcase", _("Top-ten service cases"), frozenset({R.ENTERPRISE})),
    # The security auditor reads the audit trail (三权分立).
    Page("audit_trail", _("Audit trail"), frozenset({R.AUDITOR})),
    # The security administrator keeps the security policy and the locked accounts (三权分立).
    Page("security", _("Security policy"), frozenset({R.SECADMIN})),
)


def pages_for(user: Any) -> list[Page]:
    """The pages of the navigation bar that `user`'s roles open."""
    roles = resolve_scope(user).roles
    return [page for page in PAGES if page.roles & roles]


def landing_page(user: Any) -> str | None:
    """The url name of the page a user starts on: the first of its pages, None when it has none."""
    pages = pages_for(user)
    return pages[0].url_name if pages else None


def role_page(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: sign-in required, and 404 unless the user holds one of `roles`."""
    allowed = frozenset(roles)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not resolve_scope(request.user).roles & allowed:
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.page_roles = allowed  # type: ignore[attr-defined]
        return login_required(wrapped)

    return decorate
