"""Every FLOW edge works through its action, and every transition that is not an edge is refused clearly.

The edge tests are generated from `FLOW` itself: adding an edge without teaching `EDGE_CASES` how to take it
fails `test_it_has_a_case_for_every_edge`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from django.test import TestCase, override_settings

from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionNotAllowed
from demandloop.demands.flow import FLOW, TERMINAL_STATUSES, allowed_actions, edges
from demandloop.demands.models import DemandEvent
from demandloop.demands.tests.world import DistrictWorld, build_world, drive, in_days, receive, triaged

# How to take each edge: (from, action, to) → (tier to start at, function(world, demand) → demand).
Case = tuple[int, Callable[[DistrictWorld, Any], Any]]


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("说明.pdf", b"%PDF-1.4 test", content_type="application/pdf")


def _merge(w: DistrictWorld, d: Any) -> Any:
    return actions.do_merge(d, w.hub, original=receive(w))


def _withdraw(w: DistrictWorld, d: Any) -> Any:
    return actions.do_withdraw(d, w.ent_user_a, reason="问题已自行解决")


def _report(w: DistrictWorld, d: Any) -> Any:
    return actions.do_report_part(d, w.coord_co, part="本部门部分已完成")


def _request_ext(w: DistrictWorld, d: Any) -> Any:
    return actions.do_request_extension(d, w.coord_lead, until=in_days(40), reason="需等待检测结果")


def _approve_ext(w: DistrictWorld, d: Any) -> Any:
    _request_ext(w, d)
    return actions.do_approve_extension(d, w.hub)


def _reject_ext(w: DistrictWorld, d: Any) -> Any:
    _request_ext(w, d)
    return actions.do_reject_extension(d, w.lead, reason="时限内可以完成")


def _attach(w: DistrictWorld, d: Any) -> Any:
    return actions.do_attach(d, w.hub, upload=_upload())


def _escalate(w: DistrictWorld, d: Any) -> Any:
    return actions.do_escalate(d, w.hub, reason="multi_department")


def _dispatch(w: DistrictWorld, d: Any) -> Any:
    return actions.do_dispatch(d, w.dispatcher, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])


def _decide(w: DistrictWorld, d: Any) -> Any:
    return actions.do_decide(
        d, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")], deadline=in_days(25)
    )


def _transfer(w: DistrictWorld, d: Any) -> Any:
    return actions.do_transfer(d, w.hub, city_channel="hotline_desk", city_reference="12345-ZX-0001")


def _close(w: DistrictWorld, d: Any) -> Any:
    return actions.do_close(d, w.officer_a, note="企业未回访，电话确认已解决")


EDGE_CASES: dict[tuple[str, str, str], Case] = {
    (S.RECEIVED, A.SCREEN, S.SCREENED): (2, lambda w, d: actions.do_screen(d, w.officer_a, in_scope=True)),
    (S.RECEIVED, A.SCREEN, S.OUT_OF_SCOPE): (
        2,
        lambda w, d: actions.do_screen(
            d, w.officer_a, in_scope=False, exclusion=w.district.exclusions.get(code="state_secret")
        ),
    ),
    (S.SCREENED, A.TRIAGE, S.TRIAGED): (
        2,
        lambda w, d: actions.do_triage(
            d, w.officer_a, domain=w.domain(), complexity="complex", tier=w.tier(2)
        ),
    ),
    (S.TRIAGED, A.ANSWER, S.ANSWERED): (
        1,
        lambda w, d: actions.do_answer(d, w.officer_a, answer="可网上办理"),
    ),
    (S.TRIAGED, A.ACCEPT, S.IN_PROGRESS): (1, lambda w, d: actions.do_accept(d, w.officer_a)),
    (S.TRIAGED, A.DISPATCH, S.DISPATCHED): (2, _dispatch),
    (S.TRIAGED, A.DECIDE, S.IN_PROGRESS): (3, _decide),
    (S.TRIAGED, A.TRANSFER, S.TRANSFERRED): (4, _transfer),
    (S.TRIAGED, A.ESCALATE, S.ESCALATED): (
        1,
        lambda w, d: actions.do_escalate(d, w.officer_a, reason="not_solvable"),
    ),
    (S.DISPATCHED, A.ACCEPT, S.IN_PROGRESS): (2, lambda w, d: actions.do_accept(d, w.coord_lead)),
    (S.DISPATCHED, A.RETURN, S.RETURNED): (
        2,
        lambda w, d: actions.do_return(d, w.lead, reason="非本部门职责"),
    ),
    (S.DISPATCHED, A.ESCALATE, S.ESCALATED): (2, _escalate),
    (S.RETURNED, A.DISPATCH, S.DISPATCHED): (2, _dispatch),
    (S.RETURNED, A.ESCALATE, S.ESCALATED): (2, _escalate),
    (S.ESCALATED, A.DISPATCH, S.DISPATCHED): (1, _dispatch),
    (S.ESCALATED, A.DECIDE, S.IN_PROGRESS): (2, _decide),
    (S.ESCALATED, A.TRANSFER, S.TRANSFERRED): (3, _transfer),
    (S.IN_PROGRESS, A.PLAN, S.PLANNED): (
        2,
        lambda w, d: actions.do_plan(d, w.coord_lead, plan="方案", eta=in_days(9)),
    ),
    (S.IN_PROGRESS, A.ANSWER, S.ANSWERED): (1, None),  # needs a simple tier-1 demand: see below
    (S.IN_PROGRESS, A.ESCALATE, S.ESCALATED): (
        2,
        lambda w, d: actions.do_escalate(d, w.coord_lead, reason="multi_department"),
    ),
    (S.IN_PROGRESS, A.RETURN, S.RETURNED): (
        2,
        lambda w, d: actions.do_return(d, w.coord_lead, reason="需重新派单"),
    ),
    (S.IN_PROGRESS, A.TRANSFER, S.TRANSFERRED): (4, _transfer),
    (S.PLANNED, A.INFORM, S.INFORMED): (2, lambda w, d: actions.do_inform(d, w.officer_a)),
    (S.PLANNED, A.ESCALATE, S.ESCALATED): (2, _escalate),
    (S.INFORMED, A.RESOLVE, S.RESOLVED): (
        2,
        lambda w, d: actions.do_resolve(_report(w, d), w.coord_lead, result="已解决"),
    ),
    (S.INFORMED, A.ESCALATE, S.ESCALATED): (3, _escalate),
    (S.TRANSFERRED, A.RESOLVE, S.RESOLVED): (
        4,
        lambda w, d: actions.do_resolve(d, w.hub, result="市级部门已答复并解决"),
    ),
    # The city platform's integration acts as the platform itself (by=None).
    (S.TRANSFERRED, A.CITY_PROGRESS, S.TRANSFERRED): (
        4,
        lambda w, d: actions.do_city_progress(d, None, stage="accepted", note="市级承办单位已受理"),
    ),
    (S.TRANSFERRED, A.CITY_RETURN, S.ESCALATED): (
        4,
        lambda w, d: actions.do_city_return(d, None, reason="请补充企业用地材料后重新提交"),
    ),
    (S.ANSWERED, A.EVALUATE, S.EVALUATED): (
        1,
        lambda w, d: actions.do_evaluate(d, w.ent_user_a, solved="solved", satisfied="satisfied"),
    ),
    (S.ANSWERED, A.CLOSE, S.CLOSED): (1, _close),
    (S.RESOLVED, A.EVALUATE, S.EVALUATED): (
        2,
        lambda w, d: actions.do_evaluate(
            d, w.dispatcher, solved="not_solved", satisfied="not_satisfied", comment="没解决"
        ),
    ),
    (S.RESOLVED, A.CLOSE, S.CLOSED): (2, _close),
    (S.EVALUATED, A.CLOSE, S.CLOSED): (2, lambda w, d: actions.do_close(d, w.hub)),
    (S.EVALUATED, A.REOPEN, S.IN_PROGRESS): (
        2,
        lambda w, d: actions.do_reopen(d, w.ent_user_a, reason="仍未解决"),
    ),
}
for _status in FLOW:
    for _action, _targets in FLOW[_status].items():
        for _target in _targets:
            generic = {
                A.MERGE: (2, _merge),
                A.WITHDRAW: (2, _withdraw),
                A.REPORT_PART: (2, _report),
                A.REQUEST_EXTENSION: (2, _request_ext),
                A.APPROVE_EXTENSION: (2, _approve_ext),
                A.REJECT_EXTENSION: (2, _reject_ext),
                A.ATTACH: (2, _attach),
            }
            if _action in generic:
                EDGE_CASES.setdefault((_status, _action, _target), generic[_action])


def _start(w: DistrictWorld, status: str, level: int) -> Any:
    if (status, level) == (S.TRIAGED, 1):
        return triaged(w, level=1, complexity="simple")
    if (status, level) == (S.IN_PROGRESS, 1):
        # A simple tier-1 matter the officer took on, then answers.
        return actions.do_accept(triaged(w, level=1, complexity="simple"), w.officer_a)
    if status == S.ESCALATED:
        demand = drive(w, S.TRIAGED, level=level)
        return actions.do_escalate(demand, w.hub, reason="not_solvable")
    if status == S.TRANSFERRED:
        return drive(w, S.TRANSFERRED)
    return drive(w, status, level=level)


# Attachments of these tests go to a folder of their own, removed afterwards.
MEDIA = tempfile.mkdtemp(prefix="demandloop-flow-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@override_settings(STORAGES=STORAGES)
class FlowEdgeTests(TestCase):
    """One test per FLOW edge, generated below."""

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def test_it_has_a_case_for_every_edge(self) -> None:
        self.assertEqual(sorted(EDGE_CASES), edges())

    def _take(self, edge: tuple[str, str, str], district: str) -> None:
        status, action, target = edge
        level, take = EDGE_CASES[edge]
        w = self.world.d[district]
        demand = _start(w, status, level)
        self.assertEqual(demand.status, status)
        if take is None:
            demand = actions.do_answer(demand, w.officer_a, answer="已当场答复")
        else:
            demand = take(w, demand)
        demand.refresh_from_db()
        self.assertEqual(demand.status, target)
        last = DemandEvent.objects.filter(demand=demand).latest("at", "pk")
        self.assertEqual((last.action, last.to_status), (action, target))
        self.assertEqual(last.from_status, status)


def _make_edge_test(edge: tuple[str, str, str], district: str) -> Callable[[FlowEdgeTests], None]:
    def test(self: FlowEdgeTests) -> None:
        self._take(edge, district)

    return test


for _edge in EDGE_CASES:
    for _district in ("jinghai", "nankai"):
        setattr(
            FlowEdgeTests,
            f"test_it_takes_{_edge[1]}_from_{_edge[0]}_to_{_edge[2]}_in_{_district}",
            _make_edge_test(_edge, _district),
        )


# Arguments good enough to get past Python's call: FLOW refuses before any of them is looked at.
ANY_ARGS: dict[str, dict[str, Any]] = {
    A.SCREEN: {"in_scope": True},
    A.TRIAGE: {"domain": None, "complexity": "simple", "tier": None},
    A.ANSWER: {"answer": "x"},
    A.ACCEPT: {},
    A.DISPATCH: {},
    A.RETURN: {"reason": "x"},
    A.PLAN: {"plan": "x", "eta": in_days(5)},
    A.INFORM: {},
    A.REPORT_PART: {"part": "x"},
    A.RESOLVE: {"result": "x"},
    A.EVALUATE: {"solved": "solved", "satisfied": "satisfied"},
    A.REOPEN: {"reason": "x"},
    A.ESCALATE: {"reason": "overdue"},
    A.DECIDE: {"lead_department": None, "co_departments": [], "deadline": in_days(5)},
    A.TRANSFER: {"city_channel": "jinchanfa", "city_reference": "x"},
    A.REQUEST_EXTENSION: {"until": in_days(9), "reason": "x"},
    A.APPROVE_EXTENSION: {},
    A.REJECT_EXTENSION: {"reason": "x"},
    A.MERGE: {"original": None},
    A.WITHDRAW: {"reason": "x"},
    A.CLOSE: {"note": "x"},
    A.ATTACH: {"upload": None},
    A.CITY_PROGRESS: {"stage": "accepted"},
    A.CITY_RETURN: {"reason": "x"},
}


class FlowRefusalTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def test_it_knows_every_action_of_the_choices(self) -> None:
        # Not edges: receiving creates the demand; a late city report is recorded in any status but
        # "transferred" without changing the demand (test_actions, integrations/city_platform).
        self.assertEqual(set(ANY_ARGS), set(A.values) - {A.RECEIVE, A.CITY_REPORT})

    def test_it_refuses_every_transition_that_is_not_an_edge_and_changes_nothing(self) -> None:
        w = self.world.jinghai
        refused = 0
        for status in S.values:
            demand = _start(w, status, {S.ANSWERED: 1, S.TRANSFERRED: 4}.get(status, 2))
            events_before = DemandEvent.objects.filter(demand=demand).count()
            for action in sorted(set(ANY_ARGS) - set(allowed_actions(status))):
                with self.subTest(status=status, action=action):
                    do = getattr(actions, f"do_{action}")
                    with self.assertRaises(ActionNotAllowed) as caught:
                        do(demand, None, **ANY_ARGS[action])
                    # The message names the status and the action, in the user's words.
                    self.assertIn(str(S(status).label), caught.exception.message)
                    self.assertIn(str(A(action).label), caught.exception.message)
                    self.assertEqual(caught.exception.status_code, 409)
                    refused += 1
            demand.refresh_from_db()
            self.assertEqual(demand.status, status)
            self.assertEqual(DemandEvent.objects.filter(demand=demand).count(), events_before)
        self.assertGreater(refused, 250)

    def test_it_lets_nothing_leave_a_terminal_status(self) -> None:
        for status in TERMINAL_STATUSES:
            self.assertEqual(allowed_actions(status), [])
