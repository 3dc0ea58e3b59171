"""Common problems (共性问题) as the hub reads them: each cluster of the router with its demands, the departments
that led them and the agenda topic a joint meeting would take up (issue 6 item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from demandloop.demands.models import Demand
from demandloop.org.models import Department
from demandloop.routing.duplicates import CommonProblem
from demandloop.routing.queries import common_problems

# A page lists the largest clusters; the API gives them all.
SHOWN = 30
TOPIC_TITLE_CHARS = 60


@dataclass(frozen=True)
class ProblemRow:
    problem: CommonProblem
    representative: Any
    members: list[Any]
    departments: list[tuple[str, int]]
    topic: str


def agenda_topic(problem: CommonProblem, title: str) -> str:
    """The agenda line of a common problem: what it is about and how many raised it."""
    if len(title) > TOPIC_TITLE_CHARS:
        title = title[: TOPIC_TITLE_CHARS - 1] + "…"
    return _("Common problem: %(title)s (%(enterprises)s enterprises, %(demands)s demands)") % {
        "title": title,
        "enterprises": problem.enterprise_count,
        "demands": problem.count,
    }


def problem_rows(
    user: Any, district_id: int, start: datetime, end: datetime, *, min_enterprises: int = 2
) -> list[ProblemRow]:
    """The period's common problems of the district, largest first, with the demands `user` may see."""
    problems = common_problems(district_id, start, end, min_enterprises=min_enterprises)[:SHOWN]
    ids = {pk for problem in problems for pk in problem.demand_ids}
    demands = {
        d.pk: d
        for d in Demand.objects.for_user(user)
        .filter(pk__in=ids)
        .select_related("enterprise")
        .only("pk", "title", "status", "received_at", "enterprise__name")
    }
    names = dict(Department.objects.filter(district_id=district_id).values_list("code", "name"))
    rows = []
    for problem in problems:
        members = [demands[pk] for pk in problem.demand_ids if pk in demands]
        if not members:
            continue
        representative = demands.get(problem.representative_id, members[0])
        departments = sorted(
            ((names.get(code, code), n) for code, n in problem.departments.items()), key=lambda item: -item[1]
        )
        rows.append(
            ProblemRow(
                problem, representative, members, departments, agenda_topic(problem, representative.title)
            )
        )
    return rows
