"""The page permission matrix: every page URL of the configuration × every person of two districts.

The routes are read from `demandloop.web.urls`, so a new page without an entry in `EXPECTED_ACCESS` (or without
the `role_page` decorator) fails here. Who should reach which demand and enterprise is written out below from the
world's design (conftest.py), independently of the scope code under test. Every answer must be:

* a role without the page: 404, the same as a missing page;
* a demand or enterprise outside the person's reach: 404;
* within reach: the page, and on no page any marker of a demand or an enterprise outside the reach (0 leaks).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from demandloop.org.choices import RoleChoices as R
from demandloop.web.access import DEMAND_STAFF, EVERY_DEMAND_ROLE, FIRST_LINE, INTAKE, SOLICITATION

# What each route is for. "open": no sign-in needed; "signed_in": any signed-in person; otherwise the roles
# whose people may open it (it must equal the view's own `page_roles`).
EXPECTED_ACCESS: dict[str, Any] = {
    "login": "open",
    "healthz": "open",
    "favicon": "open",
    "home": "signed_in",
    # Every person's own in-app messages; another person's message is 404.
    "message_list": "signed_in",
    "message_unread": "signed_in",
    "message_open": "signed_in",
    "message_read_all": "signed_in",
    "message_settings": "signed_in",
    "logout": "signed_in",
    "password_change": "signed_in",
    "password_change_done": "signed_in",
    # One's own other sessions, signed out from the change-password page; another person's: not found.
    "account_sessions_end": "signed_in",
    # The second sign-in step: verifying sends whoever has no authenticator to set one up.
    "two_factor_verify": "signed_in",
    "two_factor_set_up": "signed_in",
    "workbench": FIRST_LINE,
    "inbox": {R.COORDINATOR, R.DEPT_LEAD},
    "leader": {R.LEADER},
    "dispatch": {R.DISPATCHER},
    "hub": {R.HUB},
    "hub_export": {R.HUB},
    "hub_queue": {R.HUB},
    "hub_common_problems": {R.HUB},
    "dashboard": DEMAND_STAFF,
    "city_desk": {R.CITY},
    "portal": {R.ENTERPRISE},
    "portal_submit": {R.ENTERPRISE},
    "portal_policies": {R.ENTERPRISE},
    "portal_handbook": {R.ENTERPRISE},
    "register_demand": INTAKE,
    "demand_suggest": {R.ENTERPRISE},
    "demand_detail": EVERY_DEMAND_ROLE,
    "demand_action": EVERY_DEMAND_ROLE,
    "demand_attachment": EVERY_DEMAND_ROLE,
    "demand_whistle": FIRST_LINE | {R.HUB},
    "demand_supervise": {R.HUB, R.DISPATCHER},
    "whistle_report_in": {R.COORDINATOR, R.DEPT_LEAD},
    "enterprise_list": FIRST_LINE | {R.LEADER, R.HUB, R.DISPATCHER},
    "enterprise_search": INTAKE,
    "enterprise_detail": FIRST_LINE | {R.LEADER, R.HUB, R.DISPATCHER},
    "enterprise_pick": INTAKE,
    # Pages of other apps, mounted in config/urls.py.
    "routing_decision": DEMAND_STAFF,
    "meeting_list": DEMAND_STAFF,
    "meeting_create": {R.HUB},
    "meeting_detail": DEMAND_STAFF,
    "meeting_minutes": DEMAND_STAFF,
    "meeting_change": DEMAND_STAFF,
    "delivery_list": {R.HUB},
    # The security auditor's audit trail (no auditor in the world: 404 for everyone here).
    "audit_trail": {R.AUDITOR},
    "audit_export": {R.AUDITOR},
    # The security administrator's page (no security administrator in the world: 404 for everyone here).
    "security": {R.SECADMIN},
    "security_policy": {R.SECADMIN},
    "security_unlock": {R.SECADMIN},
    "security_require_change": {R.SECADMIN},
    "security_end_session": {R.SECADMIN},
    "security_revoke_token": {R.SECADMIN},
    "security_reset_two_factor": {R.SECADMIN},
    "delivery_retry": {R.HUB},
    "monthly_report": {R.HUB, R.DISPATCHER},
    "monthly_report_docx": {R.HUB, R.DISPATCHER},
    "monthly_report_problems": {R.HUB, R.DISPATCHER},
    "monthly_report_xlsx": {R.HUB, R.DISPATCHER},
    "monthly_report_issue": {R.HUB},
    # Issued reports: everyone of the district who works on demands (never its enterprises).
    "issued_report_list": DEMAND_STAFF,
    "issued_report_detail": DEMAND_STAFF,
    "issued_report_docx": DEMAND_STAFF,
    "issued_report_xlsx": DEMAND_STAFF,
    "solicitation_list": SOLICITATION,
    "solicitation_create": {R.HUB},
    "solicitation_detail": SOLICITATION,
    "solicitation_edit": {R.HUB},
    "solicitation_delete": {R.HUB},
    "solicitation_change": {R.HUB},
    "solicitation_export": {R.HUB},
    "solicitation_reply": {R.OFFICER, R.SOCIAL_OFFICER, R.COORDINATOR, R.DEPT_LEAD},
    "solicitation_template": {R.OFFICER, R.SOCIAL_OFFICER, R.COORDINATOR, R.DEPT_LEAD},
    "case_list": DEMAND_STAFF,
    "case_nominate": FIRST_LINE | {R.COORDINATOR, R.DEPT_LEAD, R.HUB},
    "case_detail": DEMAND_STAFF,
    "case_edit": FIRST_LINE | {R.COORDINATOR, R.DEPT_LEAD, R.HUB},
    "case_review": {R.HUB},
    "case_selection": {R.HUB},
    "case_selection_publish": {R.HUB},
    "case_selection_unpublish": {R.HUB},
    "case_casebook": EVERY_DEMAND_ROLE,
    "case_showcase": {R.ENTERPRISE},
    "problem_list": {R.HUB},
    # The hub records from the common problems; the first line (为企服务人员) from the demands they serve.
    "problem_record": FIRST_LINE | {R.HUB},
    "problem_clusters": {R.HUB},
    "problem_detail": {R.HUB},
    "problem_table": {R.HUB},
    # The handbook: every colleague of the district reads it, its hub keeps it.
    "handbook": DEMAND_STAFF,
    "handbook_download": DEMAND_STAFF,
    "handbook_new": {R.HUB},
    "handbook_edit": {R.HUB},
    # The 12345 ledger: the district's dispatcher and hub.
    "ledger_import": {R.HUB},
    "hotline_orders": {R.DISPATCHER, R.HUB},
    "hotline_import": {R.DISPATCHER, R.HUB},
    "hotline_link": {R.DISPATCHER, R.HUB},
    "hotline_retry": {R.DISPATCHER, R.HUB},
}

# Who reaches demand "J1" (静海, area 1) … "N2" (南开, area 2), from the world's design: the officer of the area,
# the leader of area 1, the hub and the dispatcher of the district, the department the demands were dispatched to
# (coordinator and lead), and the enterprise account of area 1.
DEMAND_REACH = {
    f"{d}{n}": {f"{d}:officer{n}", f"{d}:hub", f"{d}:dispatcher", f"{d}:coordinator", f"{d}:dept_lead"}
    | ({f"{d}:leader", f"{d}:enterprise"} if n == 1 else set())
    for d in "JN"
    for n in (1, 2)
}
# The ledger: an enterprise is reached by the officer of its area, the leader of area 1, the district's hubs and
# its own account.
ENTERPRISE_REACH = {
    f"{d}{n}": {f"{d}:officer{n}", f"{d}:hub", f"{d}:dispatcher"}
    | ({f"{d}:leader", f"{d}:enterprise"} if n == 1 else set())
    for d in "JN"
    for n in (1, 2)
}
# Who reaches district J's joint meeting (agenda: demand J1): the district's hubs, and the staff who reach a
# demand on its agenda (the enterprise account is not staff).
MEETING_REACH = {"J": {"J:hub", "J:dispatcher"} | (DEMAND_REACH["J1"] - {"J:enterprise"})}
# Who answers a district's summons: the people of the summoned department.
SUMMONED = {d: {f"{d}:coordinator", f"{d}:dept_lead"} for d in "JN"}
# Who answers a district's campaign (asking area 1's locality and the market-regulation bureau): the officers of
# that locality — in 南开 areas 1 and 2 lie in the same street (长虹街道) — and the bureau's coordinator and lead.
CAMPAIGN_LOCALITY = {"J": {"J:officer1"}, "N": {"N:officer1", "N:officer2"}}
CAMPAIGN_REACH = {d: {f"{d}:hub", f"{d}:coordinator", f"{d}:dept_lead"} | CAMPAIGN_LOCALITY[d] for d in "JN"}
MARKER = re.compile(r"标记-([JN][12])")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A district's typical case (accepted and published in its top ten): read by the district's staff (the library)
# and, published, by its enterprise account; its text carries "案例标记-J" so a leak would show.
CASE_READERS = {
    d: {
        f"{d}:{name}"
        for name in ("officer1", "officer2", "coordinator", "dept_lead", "leader", "hub", "dispatcher")
    }
    for d in "JN"
}
CASE_MARKER = re.compile(r"案例标记-([JN])")
MONTHLY_REPORTS = {"monthly_report", "monthly_report_docx", "monthly_report_xlsx", "monthly_report_problems"}
ISSUED_REPORTS = {"issued_report_detail", "issued_report_docx", "issued_report_xlsx"}


# Not pages: the admin site (its own permissions) and the REST API (its own matrix, tests/api).
NOT_PAGES = ("admin/", "api/")


def page_routes() -> list[URLPattern]:
    """Every named route of the URL configuration that serves a page, wherever it is mounted."""

    def walk(patterns: list[Any], prefix: str) -> list[tuple[str, URLPattern]]:
        found = []
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(NOT_PAGES):
                continue
            if isinstance(p, URLResolver):
                found += walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append((route, p))
        return found

    return [p for _route, p in walk(get_resolver().url_patterns, "")]


def role_of(user: Any) -> str:
    return user.memberships.get().role


def body_text(response: Any) -> str:
    """The text a person would read in the answer, including the cells of an Excel export and the paragraphs
    and tables of a Word document."""
    if response.get("Content-Type", "").startswith(DOCX):
        from docx import Document

        document = Document(io.BytesIO(response.content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if response.get("Content-Type", "").startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def assert_no_leak(text: str, who: str, allowed_demands: set[str], allowed_enterprises: set[str], where: str):
    seen = set(MARKER.findall(text))
    assert seen <= allowed_demands, f"{who} sees demands {seen - allowed_demands} on {where}"
    for key in ENTERPRISE_REACH:
        name = f"企业{key}有限公司"
        if name in text:
            # A demand's page names its enterprise: reaching the demand is enough.
            assert key in allowed_enterprises or key in allowed_demands, f"{who} sees {name} on {where}"


@pytest.fixture
def summons(world: Any) -> dict[str, Any]:
    """A whistle on each district's first demand summoning its market-regulation bureau (the coordinator's)."""
    from demandloop.meetings.actions import do_blow_whistle

    result = {}
    for code in "JN":
        district = world.districts[code]
        whistle = do_blow_whistle(
            world.demand(f"{code}1"),
            world.person(f"{code}:officer1"),
            departments=[district.department],
            reason=f"召集标记-{code}1",
        )
        result[code] = whistle.responses.get()
    return result


@pytest.fixture
def meetings(world: Any) -> dict[str, Any]:
    """A joint meeting of 静海 on demand J1, called by its hub."""

    from demandloop.meetings.actions import do_call_meeting

    district = world.districts["J"]
    meeting = do_call_meeting(
        district.district,
        world.person("J:hub"),
        kind="joint",
        title="联席会议标记-J1",
        scheduled_at=timezone.now() + timezone.timedelta(days=1),
        demands=[world.demand("J1")],
    )
    return {"J": meeting}


@pytest.fixture
def campaigns(world: Any) -> dict[str, Any]:
    """A launched campaign of each district's hub, asking area 1's locality and the market-regulation bureau."""
    from demandloop.solicitation.actions import CampaignInput, do_create_campaign, do_launch_campaign

    result = {}
    for code in "JN":
        district = world.districts[code]
        data = CampaignInput(
            title=f"定期征询-{code}",
            instructions="请梳理辖区企业近期反映的问题",
            localities=[district.areas[0].locality],
            departments=[district.department],
            reply_days=5,
        )
        campaign = do_create_campaign(district.district, world.person(f"{code}:hub"), data)
        result[code] = do_launch_campaign(campaign, world.person(f"{code}:hub"))
    return result


@pytest.fixture
def cases(world: Any) -> dict[str, Any]:
    """Per district a demand of area 1 answered on the spot, written up by its officer as an anonymised case,
    accepted by the hub and published as the year's top ten."""
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices, ComplexityChoices
    from demandloop.knowledge import actions as case_actions
    from demandloop.org.models import Tier

    result = {}
    for code in "JN":
        d = world.districts[code]
        officer, hub = world.person(f"{code}:officer1"), world.person(f"{code}:hub")
        demand = actions.do_receive(
            hub,
            enterprise=d.enterprises[0],
            channel=ChannelChoices.SOLICITATION,
            title="咨询开办食堂许可",
            content="咨询开办食堂需要的许可。",
        )
        actions.do_screen(demand, hub, in_scope=True)
        actions.do_triage(
            demand,
            hub,
            domain=d.district.domains.order_by("order").first(),
            complexity=ComplexityChoices.SIMPLE,
            tier=Tier.objects.get(district=d.district, level=1),
        )
        actions.do_answer(demand, officer, answer="当场告知材料清单。")
        case = case_actions.do_nominate_case(
            demand,
            officer,
            title=f"案例标记-{code}",
            background=f"背景案例标记-{code}",
            approach="当场答复",
            outcome="当日解决",
            lessons="一次告知",
            anonymous=True,
        )
        case_actions.do_accept_case(case, hub)
        selection = case_actions.do_set_selection(d.district, hub, year=case.year, cases=[case])
        case_actions.do_publish_selection(selection, hub)
        case.problem = case_actions.do_record_problem(
            d.district, hub, title=f"典型问题案例标记-{code}", demands=[world.demand(f"{code}1")]
        )
        result[code] = case
    return result


@pytest.fixture
def issues(world: Any) -> dict[str, Any]:
    """Each district's report of last month, issued by its hub."""
    from demandloop.reports.actions import do_issue_report
    from demandloop.reports.monthly import Month

    return {
        code: do_issue_report(
            world.districts[code].district, world.person(f"{code}:hub"), Month.last_complete()
        )
        for code in "JN"
    }


@pytest.fixture
def attachments(world: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from demandloop.demands import actions

    result = {}
    for key in ("J1", "N1"):
        demand = world.demand(key)
        upload = SimpleUploadedFile(f"材料-{key}.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        actions.do_attach(demand, world.person(f"{key[0]}:hub"), upload=upload)
        result[key] = demand.attachments.get()
    return result


def test_every_page_route_has_an_expected_access_matching_its_view():
    names = {p.name for p in page_routes()}
    assert names == set(EXPECTED_ACCESS), f"routes without a rule: {names - set(EXPECTED_ACCESS)}"
    for pattern in page_routes():
        expected = EXPECTED_ACCESS[pattern.name]
        roles = getattr(pattern.callback, "page_roles", None)
        if isinstance(expected, str):
            assert roles is None, f"{pattern.name} is meant to be {expected}"
        elif roles is not None:
            # A view that checks access itself (no `role_page`) is held to its rule by the matrix alone.
            assert roles == frozenset(expected), (
                f"{pattern.name}: the view allows {roles}, expected {expected}"
            )


def test_the_matrix_has_no_leak_and_answers_404_outside_the_scope(
    world, client, attachments, summons, meetings, campaigns, cases, issues
):
    checked = 0
    for who, user in world.people.items():
        role = role_of(user)
        client.force_login(user)
        demands_reached = {key for key, people in DEMAND_REACH.items() if who in people}
        enterprises_reached = {key for key, people in ENTERPRISE_REACH.items() if who in people}
        for pattern in page_routes():
            access = EXPECTED_ACCESS[pattern.name]
            page_open = isinstance(access, str) or role in access
            for url, target, kind, method in requests_for(
                pattern, world, attachments, summons, meetings, campaigns, cases, issues
            ):
                response = client.post(url) if method == "post" else client.get(url)
                where = f"{method.upper()} {url} ({pattern.name})"
                checked += 1
                reached = (
                    target is None
                    or (kind == "demand" and target in demands_reached)
                    or (kind == "enterprise" and target in enterprises_reached)
                    or (kind == "summons" and who in SUMMONED[target])
                    or (kind == "meeting" and who in MEETING_REACH[target])
                    or (kind == "district_hub" and who == f"{target}:hub")
                    or (
                        kind == "district_recorder"
                        and who.startswith(f"{target}:")
                        and role in FIRST_LINE | {R.HUB}
                    )
                    or (kind == "district" and who.startswith(f"{target}:"))
                    or (kind == "district_staff" and who.startswith(f"{target}:") and role != R.ENTERPRISE)
                    or (kind == "person" and who == target)
                    or (kind == "district_wide" and who in {f"{target}:hub", f"{target}:dispatcher"})
                    or (kind == "campaign" and who in CAMPAIGN_REACH[target])
                    or (kind == "campaign_locality" and who in CAMPAIGN_LOCALITY[target])
                    or (kind == "case" and who in CASE_READERS[target])
                )
                if not page_open or not reached:
                    assert response.status_code == 404, f"{who} got {response.status_code} for {where}"
                    continue
                assert response.status_code in {200, 302, 400}, (
                    f"{who} got {response.status_code} for {where}"
                )
                text = body_text(response)
                assert_no_leak(text, who, demands_reached, enterprises_reached, where)
                for code in set(CASE_MARKER.findall(text)):
                    readers = CASE_READERS[code] | {f"{code}:enterprise"}
                    assert who in readers, f"{who} reads the case of {code} on {where}"
        client.logout()
    assert checked > 500


def requests_for(
    pattern: URLPattern,
    world: Any,
    attachments: dict[str, Any],
    summons: dict[str, Any],
    meetings: dict[str, Any],
    campaigns: dict[str, Any],
    cases: dict[str, Any],
    issues: dict[str, Any],
) -> list[tuple[str, Any, str, str]]:
    """(url, target key, target kind, method) for every object the route can address in the world."""
    name = pattern.name
    if name in ISSUED_REPORTS:
        # An issued report goes to the whole district's staff; its enterprises and the other district: 404.
        return [
            (reverse(name, args=[issue.pk]), code, "district_staff", "get") for code, issue in issues.items()
        ]
    if name == "message_open":
        # The message announcing each district's issue to its first officer: theirs alone to open.
        from demandloop.integrations.models import Notification

        return [
            (reverse(name, args=[note.pk]), f"{code}:officer1", "person", "get")
            for code in "JN"
            for note in Notification.objects.filter(user=world.person(f"{code}:officer1"), topic="report")
        ]
    if name == "issued_report_list":
        return [(reverse(name), None, "", "get")] + [
            (
                reverse(name) + f"?district={world.districts[code].district.code}",
                code,
                "district_staff",
                "get",
            )
            for code in "JN"
        ]
    if name == "monthly_report_issue":
        # The confirmation before issuing last month's report again (a correction): its hub only.
        month = issues["J"].month.strftime("%Y-%m")
        return [
            (
                reverse(name) + f"?district={world.districts[code].district.code}&month={month}",
                code,
                "district_hub",
                "get",
            )
            for code in "JN"
        ]
    if name in {
        "solicitation_detail",
        "solicitation_edit",
        "solicitation_delete",
        "solicitation_change",
        "solicitation_export",
    }:
        # Editing or deleting a launched campaign sends the hub back to it with the reason (302); "remind"
        # reminds (302); the export is the hub's. A unit opens only the campaign page, with its own reply.
        kind = "campaign" if name == "solicitation_detail" else "district_hub"
        args = {"solicitation_change": ["remind"]}.get(name, [])
        method = "post" if name in {"solicitation_change", "solicitation_delete"} else "get"
        return [(reverse(name, args=[c.pk, *args]), code, kind, method) for code, c in campaigns.items()]
    if name in {"solicitation_reply", "solicitation_template"}:
        # The locality's reply: submitting an empty draft is refused with a message (302) within reach.
        result = []
        for code, c in campaigns.items():
            locality = c.targets.get(kind="locality")
            args = [c.pk, locality.pk, "submit"] if name == "solicitation_reply" else [c.pk, locality.pk]
            result.append(
                (
                    reverse(name, args=args),
                    code,
                    "campaign_locality",
                    "post" if args[-1] == "submit" else "get",
                )
            )
        return result
    keys = [f"{d}{n}" for d in "JN" for n in (1, 2)]
    if name in {"case_detail", "case_edit"}:
        # Within reach: the page, or (edit) back to the case with a message for whoever may not edit it.
        return [(reverse(name, args=[c.pk]), code, "case", "get") for code, c in cases.items()]
    if name == "case_review":
        # The cases are accepted: the hub is told it cannot review again (no change), others get 404.
        return [
            (reverse(name, args=[c.pk, decision]), code, "district_hub", "post")
            for code, c in cases.items()
            for decision in ("accept", "return")
        ]
    if name == "case_nominate":
        # The world's demands are not resolved: within reach, back to the demand with the reason.
        return [(reverse(name, args=[world.demand(k).pk]), k, "demand", "get") for k in keys]
    if name in {"case_selection", "case_selection_publish", "case_selection_unpublish"}:
        method = "get" if name == "case_selection" else "post"
        return [(reverse(name), None, "", method)] + [
            (
                reverse(name) + f"?district={world.districts[code].district.code}&year={c.year}",
                code,
                "district_hub",
                method,
            )
            for code, c in cases.items()
        ]
    if name == "case_casebook":
        # The published top ten: everyone of the district; the whole year's library: its hub only.
        return [
            (
                reverse(name)
                + f"?district={world.districts[code].district.code}&year={c.year}&collection={collection}"
                f"&format={fmt}",
                code,
                "district" if collection == "top10" else "district_hub",
                "get",
            )
            for code, c in cases.items()
            for collection in ("top10", "accepted")
            for fmt in ("docx", "xlsx")
        ]
    if name in {"problem_detail", "problem_table"}:
        # The district's typical problem (on demand 1): its hub only; no meeting chosen is refused with a message.
        method = "get" if name == "problem_detail" else "post"
        return [
            (reverse(name, args=[c.problem.pk]), code, "district_hub", method) for code, c in cases.items()
        ]
    if name in {"problem_list", "problem_record", "problem_clusters", "ledger_import"}:
        # Recording with no demand chosen is refused with a message (302) within reach.
        method = "post" if name == "problem_record" else "get"
        kind = "district_recorder" if name == "problem_record" else "district_hub"
        return [(reverse(name), None, "", method)] + [
            (reverse(name) + f"?district={world.districts[code].district.code}", code, kind, method)
            for code in "JN"
        ]
    if name == "case_showcase":
        return [(reverse(name), None, "", "get")] + [
            (reverse(name) + f"?district={world.districts[code].district.code}", code, "district", "get")
            for code in "JN"
        ]
    keys = [f"{d}{n}" for d in "JN" for n in (1, 2)]
    if name in {"logout", "login"}:
        return []  # signing out or in again would end the matrix's session; covered by the journeys
    if name == "demand_detail":
        return [(reverse(name, args=[world.demand(k).pk]), k, "demand", "get") for k in keys]
    if name == "demand_action":
        # An empty "return" is refused by the form (400) within reach and must be a 404 outside it.
        return [(reverse(name, args=[world.demand(k).pk, "return"]), k, "demand", "post") for k in keys]
    if name == "demand_supervise":
        # No note: the form refuses it (a message, then back to the demand) within reach.
        return [(reverse(name, args=[world.demand(k).pk]), k, "demand", "post") for k in keys]
    if name == "demand_whistle":
        # No department chosen: the form refuses it (a message, then back to the demand) within reach.
        return [(reverse(name, args=[world.demand(k).pk]), k, "demand", "post") for k in keys]
    if name == "whistle_report_in":
        return [
            (reverse(name, args=[response.pk]), code, "summons", "post") for code, response in summons.items()
        ]
    if name == "demand_attachment":
        return [
            (reverse(name, args=[world.demand(k).pk, attachment.pk]), k, "demand", "get")
            for k, attachment in attachments.items()
        ]
    if name in {"enterprise_detail", "enterprise_pick"}:
        return [
            (
                reverse(name, args=[world.districts[k[0]].enterprises[int(k[1]) - 1].pk]),
                k,
                "enterprise",
                "get",
            )
            for k in keys
        ]
    if name == "enterprise_search":
        return [(reverse(name) + "?q=企业", None, "", "get")]
    if name == "demand_suggest":
        return [(reverse(name) + "?title=需要协调办理&content=内容标记", None, "", "get")]
    if name in {"meeting_detail", "meeting_minutes"}:
        return [(reverse(name, args=[m.pk]), code, "meeting", "get") for code, m in meetings.items()]
    if name == "meeting_change":
        # An empty minutes form: refused within reach (a message, back to the meeting), 404 outside it.
        return [
            (reverse(name, args=[m.pk, "minutes"]), code, "meeting", "post") for code, m in meetings.items()
        ]
    if name == "delivery_retry":
        from demandloop.integrations.models import OutboxMessage

        # A failed e-mail of each district, its subject carrying the district's marker: its hub only retries it.
        result = []
        for code in "JN":
            message, _created = OutboxMessage.objects.get_or_create(
                key=f"matrix-{code}",
                defaults={
                    "channel": "email",
                    "topic": "whistle",
                    "district": world.districts[code].district,
                    "recipient": "someone@example.gov.cn",
                    "subject": f"召集标记-{code}1",
                    "status": "failed",
                },
            )
            result.append((reverse(name, args=[message.pk]), code, "district_hub", "post"))
        return result
    if name in {"handbook", "handbook_new", "handbook_download"}:
        # The person's own district by default; another district's handbook is 404 (its form: the hub's only).
        kind = "district_hub" if name == "handbook_new" else "district_staff"
        args = ["docx"] if name == "handbook_download" else []
        return [(reverse(name, args=args), None, "", "get")] + [
            (reverse(name, args=args) + f"?district={world.districts[code].district.code}", code, kind, "get")
            for code in "JN"
        ]
    if name == "hotline_link":
        from demandloop.integrations.hotline12345.models import HotlineOrder

        # An order of each district still waiting for its enterprise; no enterprise named: back with a message.
        result = []
        for code in "JN":
            district = world.districts[code].district
            order, _created = HotlineOrder.objects.get_or_create(
                district=district,
                number=f"MATRIX-{code}",
                defaults={
                    "received_at": timezone.now(),
                    "title": f"工单标记-{code}",
                    "content": "内容",
                    "enterprise_match": "unmatched",
                    "imported_at": timezone.now(),
                },
            )
            result.append((reverse(name, args=[order.pk]), code, "district_wide", "post"))
        return result
    if name == "hotline_retry":
        # Nothing named to send again: back to the ledger with a message (the districts' own orders only).
        return [(reverse(name), None, "", "post")]
    if name == "handbook_edit":
        from demandloop.knowledge.models import FaqEntry

        result = []
        for code in "JN":
            entry, _created = FaqEntry.objects.get_or_create(
                district=world.districts[code].district,
                code=f"matrix-{code}",
                defaults={"question": f"手册标记-{code}？", "answer": "答复。"},
            )
            result.append((reverse(name, args=[entry.pk]), code, "district_hub", "get"))
        return result
    if name == "portal_handbook":
        # The enterprise's own district's handbook by default; another district's is 404.
        return [(reverse(name), None, "", "get")] + [
            (reverse(name) + f"?district={world.districts[code].district.code}", code, "district", "get")
            for code in "JN"
        ]
    if name in MONTHLY_REPORTS:
        # A district-wide document, this month's (the world's demands): its hub and dispatcher only.

        month = timezone.localdate().strftime("%Y-%m")
        return [(reverse(name) + f"?month={month}", None, "", "get")] + [
            (
                reverse(name) + f"?district={world.districts[code].district.code}&month={month}",
                code,
                "district_wide",
                "get",
            )
            for code in "JN"
        ]
    if name == "solicitation_create":
        # The hub's form of its own district by default; another district's form is 404.
        return [(reverse(name), None, "", "get")] + [
            (reverse(name) + f"?district={world.districts[code].district.code}", code, "district_hub", "get")
            for code in "JN"
        ]
    if name == "meeting_create":
        # An empty form: refused within reach, nothing called.
        return [(reverse(name), None, "", "post")]
    if name == "message_read_all":
        return [(reverse(name), None, "", "post")]  # marks the person's own messages only
    if name == "account_sessions_end":
        return [(reverse(name), None, "", "post")]  # signs out the person's own other sessions only
    if name == "routing_decision":
        return [(reverse(name) + "?title=需要协调办理&content=内容标记", None, "", "get")]
    if name == "hub_queue":
        return [(reverse(name, args=[queue]), None, "", "get") for queue in ("escalated", "decision")]
    if name == "hub":
        return [(reverse(name), None, "", "get"), (reverse(name) + "?q=标记", None, "", "get")]
    return [(reverse(name), None, "", "get")]


def test_the_matrix_sees_each_reached_demand_somewhere(world, client):
    """The converse: the lists are not empty by mistake — each person finds the demands they reach."""
    # The leader's page lists escalated matters and the dispatcher's 12345 orders: the world has neither.
    lists = {
        R.OFFICER: "workbench",
        R.COORDINATOR: "inbox",
        R.DEPT_LEAD: "inbox",
        R.HUB: "hub",
        R.ENTERPRISE: "portal",
    }
    for who, user in world.people.items():
        role = role_of(user)
        if role not in lists:
            continue
        client.force_login(user)
        text = body_text(client.get(reverse(lists[role])))
        expected = {key for key, people in DEMAND_REACH.items() if who in people}
        assert set(MARKER.findall(text)) >= expected, f"{who} misses {expected - set(MARKER.findall(text))}"
        client.logout()


def test_a_stranger_is_sent_to_sign_in_and_learns_nothing(world, client):
    demand = world.demand("J1")
    for url in (reverse("workbench"), reverse("demand_detail", args=[demand.pk]), reverse("hub_export")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    assert client.get("/favicon.ico")["Location"] == static("web/favicon.svg")


def test_an_administrator_without_a_district_role_reaches_no_demand(world, client, make_user):
    admin = make_user("sysadmin", R.SYSADMIN, is_staff=True)
    client.force_login(admin)
    for key in ("J1", "N2"):
        assert client.get(reverse("demand_detail", args=[world.demand(key).pk])).status_code == 404
    assert client.get(reverse("hub")).status_code == 404
    home = client.get(reverse("home"))
    assert home.status_code == 200 and not MARKER.findall(home.content.decode())


def test_the_city_platform_panel_shows_to_the_staff_who_reach_the_demand_and_not_to_its_enterprise(
    world, client
):
    # The demand page's 津产发 card (integrations/city_platform): reference and sync state are the staff's view;
    # the enterprise follows the demand's timeline. People outside the demand's reach get 404 (above).
    from demandloop.integrations.city_platform.models import CityMatter

    demand = world.demand("J1")
    CityMatter.objects.create(
        district=demand.district, demand=demand, direction="received", city_reference="JCF-MATRIX-1"
    )
    for who in sorted(DEMAND_REACH["J1"]):
        client.force_login(world.person(who))
        page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
        staff = role_of(world.person(who)) != R.ENTERPRISE
        assert ('id="city-matter"' in page and "JCF-MATRIX-1" in page) is staff, who
        assert ('id="city-matter"' in page or "JCF-MATRIX-1" in page) is staff, who
        client.logout()
    for who in sorted(set(world.people) - DEMAND_REACH["J1"]):
        client.force_login(world.person(who))
        assert client.get(reverse("demand_detail", args=[demand.pk])).status_code == 404, who
        client.logout()
