"""Choices of a demand's life (DESIGN.md §2 and §4): statuses with their colours, channels, outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandStatusChoices(models.TextChoices):
    RECEIVED = "received", _("Received")
    SCREENED = "screened", _("Screened")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    TRIAGED = "triaged", _("Triaged")
    ANSWERED = "answered", _("Answered on the spot")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURNED = "returned", _("Returned to the dispatcher")
    ESCALATED = "escalated", _("Escalated, awaiting the next tier")
    IN_PROGRESS = "in_progress", _("In progress")
    PLANNED = "planned", _("Plan given")
    INFORMED = "informed", _("Enterprise informed")
    TRANSFERRED = "transferred", _("Transferred to the city")
    RESOLVED = "resolved", _("Resolved")
    EVALUATED = "evaluated", _("Evaluated")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another demand")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @property
    def colour(self) -> str:
        """Bootstrap colour name the pages and badges use for this status."""
        return STATUS_COLOURS[self.value]


STATUS_COLOURS = {
    "received": "secondary",
    "screened": "secondary",
    "out_of_scope": "dark",
    "triaged": "info",
    "answered": "success",
    "dispatched": "primary",
    "returned": "warning",
    "escalated": "danger",
    "in_progress": "primary",
    "planned": "primary",
    "informed": "primary",
    "transferred": "warning",
    "resolved": "success",
    "evaluated": "success",
    "closed": "light",
    "merged": "light",
    "withdrawn": "light",
}


class ChannelChoices(models.TextChoices):
    # 企业诉求直通车: registered by an officer (its source below).
    OFFICER = "officer", _("Officer (direct line)")
    HOTLINE = "hotline", _("12345 hotline")
    ONLINE = "online", _("Online portal")
    SOLICITATION = "solicitation", _("Solicitation")
    CITY = "city", _("City platform")


class DirectSourceChoices(models.TextChoices):
    """How an officer came to know of the demand (静海 §二(一): 企业诉求直通车)."""

    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    SYMPOSIUM = "symposium", _("Entrepreneurs' symposium")
    SUPERVISOR = "supervisor", _("Business-environment supervisor")
    CHAMBER = "chamber", _("Chamber of commerce")


class ComplexityChoices(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")


class EscalationReasonChoices(models.TextChoices):
    NOT_SOLVABLE = "not_solvable", _("Not solvable at this tier")
    MULTI_DEPARTMENT = "multi_department", _("Several departments needed")
    OVERDUE = "overdue", _("Overdue")


class CityChannelChoices(models.TextChoices):
    """The city-tier channels a district hands a matter to (南开 §三(四), 静海 §三(四))."""

    JINCHANFA = "jinchanfa", _("Jinchanfa platform")
    HOTLINE_DESK = "hotline_desk", _("12345 enterprise service desk")
    CITY_OFFICE = "city_office", _("City government service office")


class CityStageChoices(models.TextChoices):
    """What the city desk of a city-wide deployment reports before its answer (the city platform's codes)."""

    ACCEPTED = "accepted", _("Accepted by the city")
    IN_PROGRESS = "in_progress", _("Being handled by the city")


class SolvedChoices(models.TextChoices):
    SOLVED = "solved", _("Solved")
    PARTLY = "partly", _("Partly solved")
    NOT_SOLVED = "not_solved", _("Not solved")


class SatisfiedChoices(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class DemandActionChoices(models.TextChoices):
    """Every change a demand can go through; each is a `do_<value>` function in `actions.py`."""

    RECEIVE = "receive", _("Receive")
    SCREEN = "screen", _("Screen")
    TRIAGE = "triage", _("Triage")
    ANSWER = "answer", _("Answer on the spot")
    DISPATCH = "dispatch", _("Dispatch")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return to the dispatcher")
    PLAN = "plan", _("Give plan and ETA")
    INFORM = "inform", _("Inform the enterprise")
    REPORT_PART = "report_part", _("Report a co-department's part")
    RESOLVE = "resolve", _("Resolve")
    EVALUATE = "evaluate", _("Evaluate")
    REOPEN = "reopen", _("Reopen")
    ESCALATE = "escalate", _("Escalate")
    DECIDE = "decide", _("Decide lead and co-departments")
    TRANSFER = "transfer", _("Transfer to the city")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    APPROVE_EXTENSION = "approve_extension", _("Approve the extension")
    REJECT_EXTENSION = "reject_extension", _("Reject the extension")
    MERGE = "merge", _("Merge as a duplicate")
    WITHDRAW = "withdraw", _("Withdraw")
    CLOSE = "close", _("Close")
    ATTACH = "attach", _("Add an attachment")
    # Reported by the city platform through its integration, never taken by a person (integrations/city_platform).
    CITY_PROGRESS = "city_progress", _("Progress reported by the city")
    CITY_RETURN = "city_return", _("Returned by the city")
    # The city's report on a demand that no longer awaits it (resolved by hand, withdrawn): recorded, not applied.
    CITY_REPORT = "city_report", _("Reported by the city (recorded only)")
