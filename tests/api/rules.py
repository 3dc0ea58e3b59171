"""One rule per named API route: what every role must get there. `test_permission_matrix` reads the URL
configuration and fails for any route under /api/ whose name has no rule here — add the rule with the route.

The expected scopes are written out by hand from DESIGN.md §1 for the known world of `world.py` (two districts,
two areas each), not computed by the code under test:

demands per district — d_a: enterprise a (area a), lead scjgj, co-department swj · d_b: enterprise b (area b)
· d_key: the key enterprise of scjgj (area a) · d_park: the park's enterprise (area b).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from demandloop.demands.serializers import ACTION_SERIALIZERS

DISTRICTS = ("jinghai", "nankai")
DEMANDS = ("d_a", "d_b", "d_key", "d_park")
ENTERPRISES = ("ent_a", "ent_b", "ent_key", "ent_park")

# Which demands of ITS OWN district each person reaches (nothing of the other district, ever).
DEMAND_REACH: dict[str, frozenset[str]] = {
    "officer_a": frozenset({"d_a", "d_key"}),
    "officer_b": frozenset({"d_b", "d_park"}),
    "social": frozenset({"d_park"}),
    "industry": frozenset({"d_key"}),
    "coord_lead": frozenset({"d_a"}),
    "coord_co": frozenset({"d_a"}),
    "coord_other": frozenset(),
    "lead": frozenset({"d_a"}),
    "leader": frozenset({"d_a", "d_key"}),
    "hub": frozenset(DEMANDS),
    "dispatcher": frozenset(DEMANDS),
    "ent_user_a": frozenset({"d_a"}),
    "ent_user_b": frozenset({"d_b"}),
}
# The ledger (enterprises API): coordinators and department leads do not browse it; administrators see all.
ENTERPRISE_REACH: dict[str, frozenset[str]] = {
    "officer_a": frozenset({"ent_a", "ent_key"}),
    "officer_b": frozenset({"ent_b", "ent_park"}),
    "social": frozenset({"ent_park"}),
    "industry": frozenset({"ent_key"}),
    "coord_lead": frozenset(),
    "coord_co": frozenset(),
    "coord_other": frozenset(),
    "lead": frozenset(),
    "leader": frozenset({"ent_a", "ent_key"}),
    "hub": frozenset(ENTERPRISES),
    "dispatcher": frozenset(ENTERPRISES),
    "ent_user_a": frozenset({"ent_a"}),
    "ent_user_b": frozenset({"ent_b"}),
}
ADMIN_SEES_ALL_ENTERPRISES = True
MISSING_PK = 2**31 - 7

# A body each action accepts in form, so the probe reaches the scope and permission checks.
ACTION_BODIES: dict[str, dict[str, Any]] = {
    "screen": {"in_scope": True},
    "triage": {"domain": "market", "complexity": "complex", "tier": 2},
    "answer": {"answer": "可网上办理"},
    "dispatch": {"lead_department": "scjgj", "co_departments": ["swj"]},
    "accept": {},
    "return": {"reason": "非本部门职责"},
    "plan": {"plan": "上门核查", "eta": "2099-12-31"},
    "inform": {"note": "已告知"},
    "report_part": {"part": "本部门部分已完成"},
    "resolve": {"result": "已解决"},
    "evaluate": {"solved": "solved", "satisfied": "satisfied"},
    "reopen": {"reason": "仍未解决"},
    "escalate": {"reason": "not_solvable"},
    "decide": {"lead_department": "scjgj", "co_departments": ["swj"], "deadline": "2099-12-31"},
    "transfer": {"city_channel": "jinchanfa", "city_reference": "JCF-1"},
    "city_progress": {"stage": "accepted", "unit": "市发展改革委"},
    "city_return": {"reason": "属区级事权"},
    "request_extension": {"until": "2099-12-31", "reason": "等待检测"},
    "approve_extension": {},
    "reject_extension": {"reason": "可按期完成"},
    "merge": {"duplicate_of": MISSING_PK},
    "withdraw": {"reason": "企业撤回"},
    "close": {"note": "已办结"},
}


@dataclass
class Ctx:
    """What a rule needs: the client of one person, the world, and the expected scopes of that person."""

    tc: Any
    client: Any
    person: str  # "jinghai:officer_a", "admin:sysadmin" or "anonymous"
    world: Any
    demands: dict[tuple[str, str], Any]
    attachments: dict[tuple[str, str], Any]
    enterprises: dict[tuple[str, str], Any]
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def anonymous(self) -> bool:
        return self.person == "anonymous"

    def reaches_demand(self, district: str, key: str) -> bool:
        home, _, who = self.person.partition(":")
        return home == district and key in DEMAND_REACH.get(who, frozenset())

    def reaches_enterprise(self, district: str, key: str) -> bool:
        home, _, who = self.person.partition(":")
        if home == "admin":
            return ADMIN_SEES_ALL_ENTERPRISES
        return home == district and key in ENTERPRISE_REACH.get(who, frozenset())

    def call(self, method: str, url: str, body: Any = None, fmt: str = "json") -> Any:
        response = (
            getattr(self.client, method)(url, body, format=fmt)
            if body is not None
            else getattr(self.client, method)(url)
        )
        self.seen.append((method.upper(), url, response.status_code))
        self.tc.assertLess(response.status_code, 500, (self.person, method, url, _peek(response)))
        if self.anonymous:
            self.tc.assertIn(response.status_code, (401, 403), (method, url))
        return response

    def expect_hidden(self, response: Any, what: str) -> None:
        if self.anonymous:
            return
        self.tc.assertEqual(response.status_code, 404, (self.person, what, _peek(response)))

    def expect_visible(self, response: Any, what: str, allowed: tuple[int, ...] = (200, 201)) -> None:
        if self.anonymous:
            return
        self.tc.assertIn(response.status_code, allowed, (self.person, what, _peek(response)))


Rule = Callable[[Ctx, str], None]


def _peek(response: Any) -> bytes:
    return b"<file>" if getattr(response, "streaming", False) else response.content[:300]


def _ids(ctx: Ctx, url: str) -> set[int]:
    found: set[int] = set()
    while url:
        response = ctx.call("get", url)
        if ctx.anonymous:
            return set()
        ctx.tc.assertEqual(response.status_code, 200, (ctx.person, url))
        body = response.json()
        found |= {row["id"] for row in body["results"]}
        url = body["next"]
    return found


# --- Routes without an object ---------------------------------------------------------------------------


def public_schema(ctx: Ctx, name: str) -> None:
    # The schema and its docs describe the API, not data: anyone may read them.
    url = {"api-schema": "/api/schema/", "api-docs": "/api/docs/"}[name]
    response = ctx.client.get(url)
    ctx.tc.assertEqual(response.status_code, 200)


def signed_in_only(ctx: Ctx, name: str) -> None:
    url = {"api-root": "/api/v1/", "api-me": "/api/v1/me/"}[name]
    response = ctx.call("get", url)
    ctx.expect_visible(response, name, (200,))


# --- Demands ---------------------------------------------------------------------------------------------


def demand_list(ctx: Ctx, name: str) -> None:
    expected = {d.pk for (district, key), d in ctx.demands.items() if ctx.reaches_demand(district, key)}
    # Only the world's demands are counted: rules of other apps add demands of their own (typical cases).
    found = _ids(ctx, "/api/v1/demands/") & {d.pk for d in ctx.demands.values()}
    ctx.tc.assertEqual(found, set() if ctx.anonymous else expected, ctx.person)
    # Filters never widen the scope: asking for another district's area or department finds nothing new.
    for (district, key), demand in ctx.demands.items():
        if not ctx.reaches_demand(district, key):
            ctx.tc.assertNotIn(demand.pk, _ids(ctx, f"/api/v1/demands/?area={demand.area_id}"))
            ctx.tc.assertNotIn(demand.pk, _ids(ctx, f"/api/v1/demands/?q={demand.pk}"))
    # Intake: an enterprise outside the ledger scope is answered exactly like a missing one.
    missing = ctx.call("post", "/api/v1/demands/", _intake_body(MISSING_PK))
    for (district, key), enterprise in ctx.enterprises.items():
        response = ctx.call("post", "/api/v1/demands/", _intake_body(enterprise.pk))
        if ctx.anonymous:
            continue
        if ctx.reaches_enterprise(district, key):
            ctx.tc.assertIn(response.status_code, (201, 400, 403), (ctx.person, key, response.json()))
        else:
            ctx.tc.assertEqual(response.status_code, 400, (ctx.person, key))
            ctx.tc.assertEqual(response.json(), missing.json())


def _intake_body(enterprise_id: int) -> dict[str, Any]:
    return {
        "enterprise": enterprise_id,
        "channel": "officer",
        "source": "visit",
        "title": "用工咨询",
        "content": "咨询稳岗返还政策。",
    }


def demand_object(path: str, method: str = "get") -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        for (district, key), demand in ctx.demands.items():
            response = ctx.call(method, f"/api/v1/demands/{demand.pk}/{path}")
            if ctx.reaches_demand(district, key):
                ctx.expect_visible(response, f"{name} {district}:{key}")
            else:
                ctx.expect_hidden(response, f"{name} {district}:{key}")
        ctx.expect_hidden(ctx.call(method, f"/api/v1/demands/{MISSING_PK}/{path}"), f"{name} missing")

    return rule


def demand_attachments(ctx: Ctx, name: str) -> None:
    demand_object("attachments/")(ctx, name)
    from django.core.files.uploadedfile import SimpleUploadedFile

    for (district, key), demand in ctx.demands.items():
        upload = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
        response = ctx.call(
            "post", f"/api/v1/demands/{demand.pk}/attachments/", {"file": upload}, "multipart"
        )
        if ctx.reaches_demand(district, key):
            ctx.expect_visible(response, f"upload {key}", (201, 403, 409))
        else:
            ctx.expect_hidden(response, f"upload {district}:{key}")


def demand_attachment_download(ctx: Ctx, name: str) -> None:
    for (district, key), attachment in ctx.attachments.items():
        demand = ctx.demands[(district, key)]
        response = ctx.call("get", f"/api/v1/demands/{demand.pk}/attachments/{attachment.pk}/")
        if ctx.reaches_demand(district, key):
            ctx.expect_visible(response, f"download {key}", (200,))
            if not ctx.anonymous:
                ctx.tc.assertIn("attachment;", response["Content-Disposition"])
                ctx.tc.assertEqual(b"".join(response.streaming_content)[:5], b"%PDF-")
        else:
            ctx.expect_hidden(response, f"download {district}:{key}")
        # An attachment reached through a demand it does not belong to is missing, whatever the scope.
        for (other_district, other_key), other in ctx.demands.items():
            if other.pk != demand.pk and ctx.reaches_demand(other_district, other_key):
                ctx.expect_hidden(
                    ctx.call("get", f"/api/v1/demands/{other.pk}/attachments/{attachment.pk}/"),
                    "attachment via another demand",
                )
                break


def demand_action(action: str) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        # Every demand the person reaches, and the first it does not reach of each district: an action finds its
        # demand through the same scoped lookup as the demand's page, which `demand_detail` walks for all eight.
        unreached = set()
        for (district, key), demand in ctx.demands.items():
            if not ctx.reaches_demand(district, key):
                if district in unreached:
                    continue
                unreached.add(district)
            response = ctx.call(
                "post", f"/api/v1/demands/{demand.pk}/actions/{action}/", ACTION_BODIES[action]
            )
            if ctx.reaches_demand(district, key):
                ctx.expect_visible(response, f"{action} {key}", (200, 400, 403, 409))
            else:
                ctx.expect_hidden(response, f"{action} {district}:{key}")

    return rule


# --- Enterprises (the ledger) ---------------------------------------------------------------------------


def enterprise_list(ctx: Ctx, name: str) -> None:
    expected = {
        e.pk for (district, key), e in ctx.enterprises.items() if ctx.reaches_enterprise(district, key)
    }
    found = _ids(ctx, "/api/v1/enterprises/")
    world_ids = {e.pk for e in ctx.enterprises.values()}
    ctx.tc.assertEqual(found & world_ids, set() if ctx.anonymous else expected, ctx.person)
    response = ctx.call("post", "/api/v1/enterprises/", {})
    ctx.expect_visible(response, "register enterprise", (400, 403))


def enterprise_object(path: str, method: str, body: dict[str, Any] | None = None) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        for (district, key), enterprise in ctx.enterprises.items():
            response = ctx.call(method, f"/api/v1/enterprises/{enterprise.pk}/{path}", body)
            if ctx.reaches_enterprise(district, key):
                ctx.expect_visible(response, f"{name} {key}", (200, 201, 400, 403, 409))
            else:
                ctx.expect_hidden(response, f"{name} {district}:{key}")

    return rule


# --- Routes of other apps whose objects this world does not create ---------------------------------------
# They must answer a missing object with 404 and never fail; their owners refine these rules with objects.


def collection(prefix: str, method: str = "get", body: dict[str, Any] | None = None) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        response = ctx.call(method, f"/api/v1/{prefix}", body if method != "get" else None)
        ctx.expect_visible(response, name, (200, 201, 400, 403, 404, 409))

    return rule


def missing_object(prefix: str, path: str = "", method: str = "get") -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        response = ctx.call(method, f"/api/v1/{prefix}/{MISSING_PK}/{path}", {} if method != "get" else None)
        # A department-less or district-less user may be refused before the lookup: never a 5xx, never a 2xx.
        ctx.expect_visible(response, name, (403, 404))

    return rule


# --- Routing and the FAQ handbook ------------------------------------------------------------------------

STAFF = frozenset(DEMAND_REACH) - {"ent_user_a", "ent_user_b"}


def _home(ctx: Ctx) -> tuple[str, str]:
    home, _, who = ctx.person.partition(":")
    return home, who


def _world_demand_ids(ctx: Ctx, district: str | None = None) -> set[int]:
    return {d.pk for (dist, _key), d in ctx.demands.items() if district is None or dist == district}


def routing_decision(ctx: Ctx, name: str) -> None:
    # The router's duplicates come from the whole district's index: only those the person reaches may show.
    home, who = _home(ctx)
    for (district, key), demand in ctx.demands.items():
        body = {
            "district": district,
            "text": f"{demand.title}\n{demand.content}",
            "area": demand.area_id,
            "enterprise": demand.enterprise_id,
        }
        response = ctx.call("post", "/api/v1/routing/decisions/", body)
        if home == district and who in STAFF:
            ctx.expect_visible(response, f"{name} {key}", (200,))
            shown = {row["id"] for row in response.json()["duplicates"]} & _world_demand_ids(ctx)
            reachable = {d.pk for (dist, k), d in ctx.demands.items() if ctx.reaches_demand(dist, k)}
            ctx.tc.assertLessEqual(shown, reachable, (ctx.person, key, "duplicates out of scope"))
        else:
            ctx.expect_hidden(response, f"{name} {district}:{key}")


def routing_common_problems(ctx: Ctx, name: str) -> None:
    # Clusters span the district's enterprises: the hub and the dispatcher only, and only their district.
    home, who = _home(ctx)
    for district in DISTRICTS:
        response = ctx.call("get", f"/api/v1/routing/common-problems/?district={district}")
        if home == district and who in {"hub", "dispatcher"}:
            ctx.expect_visible(response, f"{name} {district}", (200,))
            shown = {pk for p in response.json()["problems"] for pk in p["demand_ids"]}
            ctx.tc.assertFalse(
                shown & _world_demand_ids(ctx, "nankai" if district == "jinghai" else "jinghai")
            )
        else:
            ctx.expect_hidden(response, f"{name} {district}")


def monthly_report(ctx: Ctx, name: str) -> None:
    # A district-wide document (月度通报): the hub and the dispatcher of that district only; it names overdue
    # demands, never one of the other district's.
    from django.utils import timezone

    home, who = _home(ctx)
    month = timezone.localdate().strftime("%Y-%m")
    for district in DISTRICTS:
        response = ctx.call("get", f"/api/v1/reports/monthly/?district={district}&month={month}")
        if home == district and who in {"hub", "dispatcher"}:
            ctx.expect_visible(response, f"{name} {district}", (200,))
            data = response.json()
            ctx.tc.assertEqual(data["district"], district)
            shown = {row["id"] for row in data["overdue"]}
            shown |= {pk for p in data["common_problems"] for pk in p["demand_ids"]}
            ctx.tc.assertFalse(
                shown & _world_demand_ids(ctx, "nankai" if district == "jinghai" else "jinghai")
            )
        else:
            ctx.expect_hidden(response, f"{name} {district}")


def _faq_entries(ctx: Ctx) -> dict[str, Any]:
    from demandloop.knowledge.models import FaqEntry
    from demandloop.org.models import District

    return {
        code: FaqEntry.objects.get_or_create(
            district=District.objects.get(code=code),
            code="matrix-faq",
            defaults={
                "question": "营业执照地址变更需要什么材料？",
                "answer": "携带租赁合同到政务服务中心办理。",
            },
        )[0]
        for code in DISTRICTS
    }


def faq_list(ctx: Ctx, name: str) -> None:
    # The handbook is published to everyone of a district, enterprises included; never another district's.
    entries = _faq_entries(ctx)
    home, _who = _home(ctx)
    found = _ids(ctx, "/api/v1/faq/")
    expected = {entries[home].pk} if home in entries else set()
    ctx.tc.assertEqual(
        found & {e.pk for e in entries.values()}, set() if ctx.anonymous else expected, ctx.person
    )


def faq_detail(ctx: Ctx, name: str) -> None:
    home, _who = _home(ctx)
    for district, entry in _faq_entries(ctx).items():
        response = ctx.call("get", f"/api/v1/faq/{entry.pk}/")
        if home == district:
            ctx.expect_visible(response, f"{name} {district}", (200,))
        else:
            ctx.expect_hidden(response, f"{name} {district}")


def faq_export(ctx: Ctx, name: str) -> None:
    # The handbook file follows the list: everyone of a district, enterprises included; another district is 404.
    _faq_entries(ctx)
    home, _who = _home(ctx)
    for district in DISTRICTS:
        for fmt in ("docx", "xlsx"):
            response = ctx.call("get", f"/api/v1/faq/export/?district={district}&format={fmt}")
            if home == district:
                ctx.expect_visible(response, f"{name} {district} {fmt}", (200,))
                ctx.tc.assertIn(f'filename="handbook-{district}.{fmt}"', response["Content-Disposition"])
            else:
                ctx.expect_hidden(response, f"{name} {district} {fmt}")
    # Without a district: the person's own; a person of no district has no handbook.
    response = ctx.call("get", "/api/v1/faq/export/")
    if home in DISTRICTS:
        ctx.expect_visible(response, f"{name} default", (200,))
        ctx.tc.assertIn(f'filename="handbook-{home}.docx"', response["Content-Disposition"])
    else:
        ctx.expect_hidden(response, f"{name} default")
    # A format the export does not make is refused before the district is looked at: it tells nothing.
    ctx.expect_visible(ctx.call("get", "/api/v1/faq/export/?district=nankai&format=pdf"), name, (400,))


def city_machine_endpoint(ctx: Ctx, name: str) -> None:
    # The city platform's endpoints answer signed requests only (integrations/city_platform/signing.py): no
    # session or token of any person reaches them, whether the integration is configured or not.
    from django.test import override_settings

    path = {"city-platform-status": "status/", "city-platform-demands": "demands/"}[name]
    body = {"event_id": "probe-1", "reference": "JCF-PROBE", "sequence": 1, "status": "accepted"}
    configured = {
        "DEMANDLOOP_CITY_PLATFORM_URL": "http://127.0.0.1:9/",
        "DEMANDLOOP_CITY_PLATFORM_APP_ID": "probe",
        "DEMANDLOOP_CITY_PLATFORM_SECRET": "probe-secret",
    }
    for settings in ({}, configured):
        with override_settings(**settings):
            response = ctx.call("post", f"/api/v1/integrations/city/{path}", body)
        ctx.tc.assertEqual(response.status_code, 401, (ctx.person, name, _peek(response)))


# Who answers a district's matrix campaign (asking area a's locality and scjgj), besides its hub: the officers of
# that locality (in 南开 areas a and b lie in the same street, 长虹街道) and scjgj's coordinator and lead.
SOLICITATION_REACH: dict[str, frozenset[str]] = {
    "jinghai": frozenset({"officer_a", "coord_lead", "lead"}),
    "nankai": frozenset({"officer_a", "officer_b", "coord_lead", "lead"}),
}


def _campaigns(ctx: Ctx) -> dict[str, Any]:
    from demandloop.solicitation import actions as solicitation

    found = {}
    for code in DISTRICTS:
        w = ctx.world.d[code]
        campaign = solicitation.Campaign.objects.filter(district=w.district, title="matrix-campaign").first()
        if campaign is None:
            data = solicitation.CampaignInput(
                title="matrix-campaign",
                instructions="请梳理辖区企业近期反映的问题",
                localities=[w.a.locality],
                departments=[w.dep("scjgj")],
                reply_days=5,
            )
            campaign = solicitation.do_create_campaign(w.district, w.hub, data)
            solicitation.do_launch_campaign(campaign, w.hub)
        found[code] = campaign
    return found


def solicitation_list(ctx: Ctx, name: str) -> None:
    campaigns = _campaigns(ctx)
    home, who = _home(ctx)
    found = _ids(ctx, "/api/v1/solicitations/")
    expected = {
        c.pk
        for code, c in campaigns.items()
        if home == code and (who == "hub" or who in SOLICITATION_REACH[code])
    }
    ctx.tc.assertEqual(found & {c.pk for c in campaigns.values()}, expected, ctx.person)


def solicitation_detail(ctx: Ctx, name: str) -> None:
    """GET as every campaign object; DELETE: a launched campaign is refused to its hub (409) and to the units
    asked (403), hidden from everyone else; a draft is seen, and deleted, by its district's hub alone."""
    from demandloop.solicitation import actions as solicitation

    solicitation_object("")(ctx, name)
    home, who = _home(ctx)
    for code, campaign in _campaigns(ctx).items():
        response = ctx.call("delete", f"/api/v1/solicitations/{campaign.pk}/")
        if home != code or (who != "hub" and who not in SOLICITATION_REACH[code]):
            ctx.expect_hidden(response, f"{name} delete {code}")
        else:
            ctx.expect_visible(response, f"{name} delete {code}", (409,) if who == "hub" else (403,))
        ctx.tc.assertTrue(solicitation.Campaign.objects.filter(pk=campaign.pk).exists())
    ctx.expect_hidden(ctx.call("delete", f"/api/v1/solicitations/{MISSING_PK}/"), f"{name} delete missing")
    for code in DISTRICTS:
        w = ctx.world.d[code]
        data = solicitation.CampaignInput(
            title="matrix-draft", instructions="请梳理问题", localities=[w.a.locality], reply_days=5
        )
        draft = solicitation.do_create_campaign(w.district, w.hub, data)
        response = ctx.call("delete", f"/api/v1/solicitations/{draft.pk}/")
        if home == code and who == "hub":
            ctx.tc.assertEqual(response.status_code, 204, (ctx.person, name, code))
            ctx.tc.assertFalse(solicitation.Campaign.objects.filter(pk=draft.pk).exists())
        else:
            ctx.expect_hidden(response, f"{name} draft {code}")
            ctx.tc.assertTrue(solicitation.Campaign.objects.filter(pk=draft.pk).exists())
            draft.delete()


def solicitation_object(path: str, method: str = "get", body: dict[str, Any] | None = None) -> Rule:
    """Within the campaign's district: the hub may (2xx, or 400/409 for a refused state); a unit asked reaches it
    and is refused the hub's actions (403) or answers (`reply/`); anyone else gets 404."""

    def rule(ctx: Ctx, name: str) -> None:
        home, who = _home(ctx)
        for code, campaign in _campaigns(ctx).items():
            response = ctx.call(method, f"/api/v1/solicitations/{campaign.pk}/{path}", body)
            if home != code or (who != "hub" and who not in SOLICITATION_REACH[code]):
                ctx.expect_hidden(response, f"{name} {code}")
            elif who == "hub" or path in ("", "reply/"):
                ctx.expect_visible(response, f"{name} {code}", (200, 201, 400, 409))
            else:
                ctx.tc.assertEqual(response.status_code, 403, (ctx.person, name, code))
        ctx.expect_hidden(ctx.call(method, f"/api/v1/solicitations/{MISSING_PK}/{path}", body), name)

    return rule


# --- Issued monthly reports --------------------------------------------------------------------------------
# Each district's report of last month, issued by its hub: read by every staff member of that district (the
# areas, departments, leaders, hub and 12345 centre), never by its enterprises, the administrators or the other
# district.


def issued_reports(world: Any) -> dict[str, Any]:
    """Last month's report of each district, issued once for the whole matrix (`PermissionMatrixTests`'s data):
    issuing one is most of a second, and each person's test would otherwise issue both again."""
    from demandloop.reports.actions import do_issue_report
    from demandloop.reports.models import IssuedReport
    from demandloop.reports.monthly import Month

    found = {r.district.code: r for r in IssuedReport.objects.filter(superseded_at__isnull=True)}
    for code, w in world.d.items():
        if code not in found:
            found[code] = do_issue_report(w.district, w.hub, Month.last_complete())
    return found


def _reads_issues(ctx: Ctx, district: str) -> bool:
    home, who = _home(ctx)
    return home == district and who in STAFF


def issued_report_list(ctx: Ctx, name: str) -> None:
    issues = issued_reports(ctx.world)
    found = _ids(ctx, "/api/v1/reports/issued/")
    expected = {r.pk for code, r in issues.items() if _reads_issues(ctx, code)}
    ctx.tc.assertEqual(found, set() if ctx.anonymous else expected, ctx.person)
    for code in DISTRICTS:
        # Naming the other district's code finds nothing of it.
        shown = _ids(ctx, f"/api/v1/reports/issued/?district={code}")
        ctx.tc.assertLessEqual(shown, expected, (ctx.person, code))


def issued_report_detail(ctx: Ctx, name: str) -> None:
    for code, issue in issued_reports(ctx.world).items():
        for fmt in ("json", "docx"):
            response = ctx.call("get", f"/api/v1/reports/issued/{issue.pk}/?format={fmt}")
            if _reads_issues(ctx, code):
                ctx.expect_visible(response, f"{name} {code} {fmt}", (200,))
            else:
                ctx.expect_hidden(response, f"{name} {code} {fmt}")
    ctx.expect_hidden(ctx.call("get", f"/api/v1/reports/issued/{MISSING_PK}/"), name)


def issued_report_issue(ctx: Ctx, name: str) -> None:
    # The hub issues in its own district (a month issued already needs a reason: 400 naming it); naming another
    # district, or being no hub, is 404.
    from demandloop.reports.monthly import Month

    home, who = _home(ctx)
    month = Month.last_complete().iso
    for code in DISTRICTS:
        response = ctx.call("post", "/api/v1/reports/issued/issue/", {"district": code, "month": month})
        if home == code and who == "hub":
            ctx.expect_visible(response, f"{name} {code}", (201, 400))
            if response.status_code == 400:
                ctx.tc.assertIn("reason", response.json())
        else:
            ctx.expect_hidden(response, f"{name} {code}")


# --- Typical cases and the annual top ten -----------------------------------------------------------------

# Per district: a case waiting for review (its author officer_a and the hub read it) and a case accepted and
# published in the year's top ten (every staff member of the district and its enterprises read it).
CASE_READERS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"officer_a", "hub"}),
    "published": STAFF | {"ent_user_a", "ent_user_b"},
}


def typical_cases(world: Any) -> dict[tuple[str, str], Any]:
    """A case waiting for review and a published one per district, made once for the whole matrix."""
    from demandloop.demands.choices import DemandStatusChoices
    from demandloop.demands.tests.world import drive
    from demandloop.knowledge import actions as case_actions
    from demandloop.knowledge.models import TypicalCase

    found = {
        (c.district.code, c.title.split("-")[1]): c
        for c in TypicalCase.objects.filter(title__startswith="matrix-")
    }
    if found:
        return found
    texts = {"background": "企业咨询", "approach": "当场答复", "outcome": "当日解决", "lessons": "一次告知"}
    for code, w in world.d.items():
        for state in ("submitted", "published"):
            demand = drive(w, DemandStatusChoices.ANSWERED)
            case = case_actions.do_nominate_case(
                demand, w.officer_a, title=f"matrix-{state}", anonymous=True, **texts
            )
            if state == "published":
                case_actions.do_accept_case(case, w.hub)
                selection = case_actions.do_set_selection(w.district, w.hub, year=case.year, cases=[case])
                case_actions.do_publish_selection(selection, w.hub)
            found[(code, state)] = case
    return found


def _reads_case(ctx: Ctx, district: str, state: str) -> bool:
    home, who = _home(ctx)
    return home == district and who in CASE_READERS[state]


def case_list(ctx: Ctx, name: str) -> None:
    cases = typical_cases(ctx.world)
    expected = {c.pk for (district, state), c in cases.items() if _reads_case(ctx, district, state)}
    found = _ids(ctx, "/api/v1/cases/") & {c.pk for c in cases.values()}
    ctx.tc.assertEqual(found, set() if ctx.anonymous else expected, ctx.person)


def case_object(
    path: str, method: str = "get", body: dict[str, Any] | None = None, hub_codes: tuple[int, ...] = (200,)
) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        _home_district, who = _home(ctx)
        for (district, state), case in typical_cases(ctx.world).items():
            response = ctx.call(method, f"/api/v1/cases/{case.pk}/{path}", body)
            if not _reads_case(ctx, district, state):
                ctx.expect_hidden(response, f"{name} {district}:{state}")
            elif method == "get":
                ctx.expect_visible(response, f"{name} {district}:{state}", (200,))
            elif who == "hub":
                ctx.expect_visible(response, f"{name} {district}:{state}", hub_codes)
            else:
                # Reads it, may not review it (the author included).
                ctx.expect_visible(response, f"{name} {district}:{state}", (403,))
        ctx.expect_hidden(ctx.call(method, f"/api/v1/cases/{MISSING_PK}/{path}", body), f"{name} missing")

    return rule


def solicitation_create(ctx: Ctx, name: str) -> None:
    # The hub creates in its own district; naming another district, or being no hub, is 404.
    home, who = _home(ctx)
    for code in DISTRICTS:
        body = {
            "district": code,
            "title": "新征询",
            "instructions": "请梳理问题",
            "all_localities": True,
            "reply_days": 3,
        }
        response = ctx.call("post", "/api/v1/solicitations/", body)
        if home == code and who == "hub":
            ctx.expect_visible(response, f"{name} {code}", (201,))
            ctx.tc.assertEqual(response.json()["district"], code)
        else:
            ctx.expect_hidden(response, f"{name} {code}")


def case_draft(ctx: Ctx, name: str) -> None:
    # The draft of a nomination: 404 for a demand outside the scope; the world's demands are not resolved (409).
    for (district, key), demand in ctx.demands.items():
        response = ctx.call("get", f"/api/v1/cases/draft/?demand={demand.pk}")
        if ctx.reaches_demand(district, key):
            ctx.expect_visible(response, f"{name} {district}:{key}", (409,))
        else:
            ctx.expect_hidden(response, f"{name} {district}:{key}")


def case_selection(ctx: Ctx, name: str) -> None:
    # Read by everyone of the district (published); set only by its hub — here refused, it is published.
    home, who = _home(ctx)
    cases = typical_cases(ctx.world)
    for district in DISTRICTS:
        year = cases[(district, "published")].year
        response = ctx.call("get", f"/api/v1/cases/selection/?district={district}&year={year}")
        if home == district:
            ctx.expect_visible(response, f"{name} {district}", (200,))
            if not ctx.anonymous:
                shown = [e["case"]["id"] for e in response.json()["entries"]]
                ctx.tc.assertEqual(shown, [cases[(district, "published")].pk])
        else:
            ctx.expect_hidden(response, f"{name} {district}")
        body = {"district": district, "year": year, "cases": [cases[(district, "published")].pk]}
        response = ctx.call("put", "/api/v1/cases/selection/", body)
        if home == district and who == "hub":
            ctx.expect_visible(response, f"set {district}", (409,))
        else:
            ctx.expect_hidden(response, f"set {district}")


def case_selection_change(path: str, body: dict[str, Any], hub_code: int) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        home, who = _home(ctx)
        for (district, state), case in typical_cases(ctx.world).items():
            if state != "published":
                continue
            response = ctx.call(
                "post", f"/api/v1/cases/selection/{path}", {"district": district, "year": case.year, **body}
            )
            if home == district and who == "hub":
                ctx.expect_visible(response, f"{name} {district}", (hub_code,))
            else:
                ctx.expect_hidden(response, f"{name} {district}")

    return rule


def case_export(ctx: Ctx, name: str) -> None:
    # The published top ten for everyone of the district; the whole year's library for its hub.
    home, who = _home(ctx)
    for (district, state), case in typical_cases(ctx.world).items():
        if state != "published":
            continue
        for collection in ("top10", "accepted"):
            url = f"/api/v1/cases/export/?district={district}&year={case.year}&collection={collection}&format=xlsx"
            response = ctx.call("get", url)
            if home == district and (collection == "top10" or who == "hub"):
                ctx.expect_visible(response, f"{name} {district} {collection}", (200,))
            else:
                ctx.expect_hidden(response, f"{name} {district} {collection}")
    ctx.expect_visible(ctx.call("get", "/api/v1/cases/export/?year=2026&format=pdf"), name, (400,))


def _problems(ctx: Ctx) -> dict[str, Any]:
    from demandloop.knowledge import actions as case_actions
    from demandloop.knowledge.models import TypicalProblem

    found = {p.district.code: p for p in TypicalProblem.objects.filter(title="matrix-problem")}
    if found:
        return found
    for code, w in ctx.world.d.items():
        demands = [ctx.demands[(code, "d_a")], ctx.demands[(code, "d_b")]]
        found[code] = case_actions.do_record_problem(
            w.district, w.hub, title="matrix-problem", demands=demands
        )
    return found


def problem_list(ctx: Ctx, name: str) -> None:
    # Typical problems are the service office's working list: its hub only, never another district's.
    problems = _problems(ctx)
    home, who = _home(ctx)
    found = _ids(ctx, "/api/v1/typical-problems/") & {p.pk for p in problems.values()}
    expected = {problems[home].pk} if who == "hub" and home in problems else set()
    ctx.tc.assertEqual(found, set() if ctx.anonymous else expected, ctx.person)
    body = {"district": "jinghai", "title": "", "demands": [ctx.demands[("jinghai", "d_a")].pk]}
    response = ctx.call("post", "/api/v1/typical-problems/", body)
    # The hub records; so do the service officers (为企服务人员, 静海 §四(二)) from the demands they serve.
    if home == "jinghai" and who in {"hub", "officer_a", "officer_b", "social", "industry"}:
        ctx.expect_visible(response, f"{name} record", (400,))
    else:
        ctx.expect_hidden(response, f"{name} record")


def problem_object(path: str, method: str = "get", body: dict[str, Any] | None = None) -> Rule:
    def rule(ctx: Ctx, name: str) -> None:
        home, who = _home(ctx)
        for district, problem in _problems(ctx).items():
            response = ctx.call(method, f"/api/v1/typical-problems/{problem.pk}/{path}", body)
            if home == district and who == "hub":
                ctx.expect_visible(response, f"{name} {district}", (200, 400))
            else:
                ctx.expect_hidden(response, f"{name} {district}")
        ctx.expect_hidden(
            ctx.call(method, f"/api/v1/typical-problems/{MISSING_PK}/{path}", body), f"{name} missing"
        )

    return rule


RULES: dict[str, Rule] = {
    "api-schema": public_schema,
    "api-docs": public_schema,
    "api-root": signed_in_only,
    "api-me": signed_in_only,
    "demand-list": demand_list,
    "demand-detail": demand_object(""),
    "demand-events": demand_object("events/"),
    "demand-attachments": demand_attachments,
    "demand-attachment-download": demand_attachment_download,
    **{f"demand-action-{action}": demand_action(action) for action in ACTION_SERIALIZERS},
    "enterprise-list": enterprise_list,
    "enterprise-detail": enterprise_object("", "get"),
    "enterprise-contacts": enterprise_object("contacts/", "post", {}),
    "enterprise-deregister": enterprise_object("deregister/", "post", {}),
    "enterprise-history": enterprise_object("history/", "get"),
    "notification-list": collection("notifications/"),
    "notification-read-all": collection("notifications/read-all/", "post", {}),
    "notification-detail": missing_object("notifications"),
    "notification-read": missing_object("notifications", "read/", "post"),
    "notification-preference-list": collection("notification-preferences/"),
    "delivery-list": collection("deliveries/"),
    "delivery-detail": missing_object("deliveries"),
    "delivery-retry": missing_object("deliveries", "retry/", "post"),
    "whistle-list": collection("whistles/"),
    "whistle-by-department": collection("whistles/by-department/"),
    "whistle-detail": missing_object("whistles"),
    "whistle-report": missing_object("whistles", "report/", "post"),
    "supervision-list": collection("supervisions/"),
    "supervision-detail": missing_object("supervisions"),
    "meeting-list": collection("meetings/"),
    "meeting-candidates": collection("meetings/candidates/"),
    "meeting-decisions-by-department": collection("meetings/decisions-by-department/"),
    "meeting-detail": missing_object("meetings"),
    "meeting-agenda": missing_object("meetings", "agenda/", "post"),
    "meeting-conclude": missing_object("meetings", "conclude/", "post"),
    "meeting-decisions": missing_object("meetings", "decisions/", "post"),
    "meeting-minutes": missing_object("meetings", "minutes/", "post"),
    "meeting-minutes-docx": missing_object("meetings", "minutes_docx/"),
    "hotline-order-list": collection("hotline-orders/"),
    "hotline-order-detail": missing_object("hotline-orders"),
    "hotline-order-import": collection("hotline-orders/import/", "post", {}),
    "hotline-order-link": missing_object("hotline-orders", "link/", "post"),
    "routing-decision": routing_decision,
    "routing-common-problems": routing_common_problems,
    "faq-list": faq_list,
    "faq-detail": faq_detail,
    "faq-export": faq_export,
    "api-monthly-report": monthly_report,
    "city-platform-status": city_machine_endpoint,
    "city-platform-demands": city_machine_endpoint,
    "solicitation-list": solicitation_list,
    "solicitation-detail": solicitation_detail,
    "solicitation-export": solicitation_object("export/"),
    "solicitation-create": solicitation_create,
    "solicitation-launch": solicitation_object("launch/", "post", {}),
    "solicitation-close": solicitation_object("close/", "post", {}),
    "solicitation-remind": solicitation_object("remind/", "post", {}),
    "solicitation-accept": solicitation_object("accept/", "post", {"target": MISSING_PK}),
    "solicitation-return": solicitation_object("return/", "post", {"target": MISSING_PK, "reason": "请补充"}),
    "solicitation-reply": solicitation_object("reply/", "post", {"no_problems": True}),
    "case-list": case_list,
    "case-detail": case_object(""),
    "case-events": case_object("events/"),
    "case-accept": case_object("accept/", "post", {}, (200, 409)),
    "case-return": case_object("return/", "post", {"reason": "请补充"}, (200, 409)),
    "case-draft": case_draft,
    "case-selection": case_selection,
    "case-selection-publish": case_selection_change("publish/", {}, 409),
    "case-selection-unpublish": case_selection_change("unpublish/", {"reason": ""}, 400),
    "case-export": case_export,
    "typical-problem-list": problem_list,
    "typical-problem-detail": problem_object(""),
    # No such meeting: refused (400) for the hub, hidden for everyone else.
    "typical-problem-agenda": problem_object("agenda/", "post", {"meeting": MISSING_PK}),
    "issued-report-list": issued_report_list,
    "issued-report-detail": issued_report_detail,
    "issued-report-issue": issued_report_issue,
}
# Writes change the world the later rules read: run every read first.
WRITE_RULES = frozenset(
    {"demand-attachments", "enterprise-contacts", "enterprise-deregister", "case-accept", "case-return"}
    | {"issued-report-issue"}
    | {
        f"solicitation-{name}"
        for name in ("detail", "create", "launch", "close", "remind", "accept", "return", "reply")
    }
    | {f"demand-action-{action}" for action in ACTION_SERIALIZERS}
)
