"""The deadline in force and its urgency, as the work lists show it ("剩余 N 个工作日") — pure, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

from django.utils import translation

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.sla.calendar import END_OF_DAY, SHANGHAI, WorkCalendar
from demandloop.web.deadlines import Urgency, classify, deadline_in_force, deadline_of

# 2026: 1 October (Thursday) to 8 October is the National Day holiday; Saturday 10 October is a make-up day.
CALENDAR = WorkCalendar(
    official={
        **{date(2026, 10, d): False for d in range(1, 9)},
        date(2026, 10, 10): True,
    },
    published_years=frozenset({2026}),
)


def end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_it_counts_the_working_days_left_after_today():
    deadline = classify(end_of(date(2026, 9, 25)), at(date(2026, 9, 22)), CALENDAR)
    assert deadline.working_days_left == 3
    assert deadline.urgency == Urgency.LATER


def test_it_skips_the_holiday_and_counts_the_make_up_saturday():
    # From Wednesday 30 September: 9 October (Friday) is the 1st working day after the holiday, 10 October the 2nd.
    deadline = classify(end_of(date(2026, 10, 10)), at(date(2026, 9, 30)), CALENDAR)
    assert deadline.working_days_left == 2


def test_it_calls_a_deadline_on_the_next_working_day_urgent_even_across_the_holiday():
    deadline = classify(end_of(date(2026, 10, 9)), at(date(2026, 9, 30)), CALENDAR)
    assert (deadline.urgency, deadline.working_days_left) == (Urgency.DUE_NEXT_WORKING_DAY, 1)


def test_it_says_due_today_on_the_day_and_overdue_after_it():
    due = end_of(date(2026, 9, 22))
    assert classify(due, at(date(2026, 9, 22), 23), CALENDAR).urgency == Urgency.DUE_TODAY
    late = classify(due, at(date(2026, 9, 24)), CALENDAR)
    assert (late.urgency, late.working_days_left) == (Urgency.OVERDUE, -2)
    just_late = classify(due, due + timedelta(seconds=1), CALENDAR)
    assert just_late.urgency == Urgency.OVERDUE


def test_it_words_the_deadline_in_chinese():
    with translation.override("zh-hans"):
        assert classify(end_of(date(2026, 9, 25)), at(date(2026, 9, 22)), CALENDAR).text == "剩余 3 个工作日"
        assert (
            classify(end_of(date(2026, 9, 22)), at(date(2026, 9, 24)), CALENDAR).text == "已超期 2 个工作日"
        )
        assert classify(end_of(date(2026, 9, 22)), at(date(2026, 9, 22)), CALENDAR).text == "今日到期"
        assert classify(None, at(date(2026, 9, 22)), CALENDAR).text == "无时限"


def test_a_demand_not_yet_screened_or_triaged_says_so_instead_of_no_deadline():
    def demand(status: str) -> SimpleNamespace:
        return SimpleNamespace(status=status, responded_at=None, response_due=None, completion_due=None)

    now = at(date(2026, 9, 22))
    with translation.override("zh-hans"):
        received = deadline_of(demand(S.RECEIVED), now, CALENDAR)
        assert received.text == "待甄别" and received.css_class == "text-warning-emphasis"
        assert received.urgency == Urgency.NO_DEADLINE  # sorted with the demands without a clock
        screened = deadline_of(demand(S.SCREENED), now, CALENDAR)
        assert screened.text == "待分类" and screened.css_class == "text-warning-emphasis"
        assert deadline_of(demand(S.CLOSED), now, CALENDAR).text == "无时限"


def test_it_takes_the_response_clock_until_a_plan_and_then_the_committed_date():
    response, completion = end_of(date(2026, 9, 25)), end_of(date(2026, 10, 20))
    assert deadline_in_force(S.DISPATCHED, response, None, None) == response
    assert deadline_in_force(S.PLANNED, response, completion, at(date(2026, 9, 23))) == completion
    # A tier-3 decision commits a date before anyone planned: the plan is still owed first.
    assert deadline_in_force(S.IN_PROGRESS, response, completion, None) == response
    assert deadline_in_force(S.IN_PROGRESS, response, completion, at(date(2026, 9, 23))) == completion
    assert deadline_in_force(S.RESOLVED, response, completion, at(date(2026, 9, 23))) is None
    assert deadline_in_force(S.CLOSED, response, completion, None) is None


def test_a_provisional_response_deadline_is_marked_until_a_plan_sets_the_committed_date():
    response, completion = end_of(date(2027, 1, 8)), end_of(date(2027, 2, 20))
    now = at(date(2026, 12, 30))

    def demand(status: str, responded_at: datetime | None = None) -> SimpleNamespace:
        return SimpleNamespace(
            status=status,
            responded_at=responded_at,
            response_due=response,
            completion_due=completion,
            response_due_provisional=True,
        )

    assert deadline_of(demand(S.DISPATCHED), now, CALENDAR).provisional
    # The committed date is the handler's own: nothing provisional about it.
    assert not deadline_of(demand(S.PLANNED, now), now, CALENDAR).provisional
