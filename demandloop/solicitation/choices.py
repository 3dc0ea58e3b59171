"""Choices of a solicitation campaign (定期征询) and of the replies to it, with the FLOW of each."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatusChoices(models.TextChoices):
    # A context of their own: a demand's "Closed" (已关闭) is another word than a campaign's (已结束).
    DRAFT = "draft", pgettext_lazy("campaign", "Draft")
    LAUNCHED = "launched", pgettext_lazy("campaign", "Launched")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")


CAMPAIGN_FLOW: dict[str, frozenset[str]] = {
    CampaignStatusChoices.DRAFT: frozenset({CampaignStatusChoices.LAUNCHED}),
    CampaignStatusChoices.LAUNCHED: frozenset({CampaignStatusChoices.CLOSED}),
    CampaignStatusChoices.CLOSED: frozenset(),
}


class ReplyStatusChoices(models.TextChoices):
    """Where a target unit's reply stands. `pending` is a target with no reply row yet."""

    PENDING = "pending", _("Not yet replied")
    DRAFT = "draft", _("Draft saved")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted by the hub")


REPLY_FLOW: dict[str, frozenset[str]] = {
    ReplyStatusChoices.DRAFT: frozenset({ReplyStatusChoices.SUBMITTED}),
    # The hub takes the problems in as demands, or returns the reply to the unit for correction (退回).
    ReplyStatusChoices.SUBMITTED: frozenset({ReplyStatusChoices.ACCEPTED, ReplyStatusChoices.DRAFT}),
    ReplyStatusChoices.ACCEPTED: frozenset(),
}


class TargetKindChoices(models.TextChoices):
    LOCALITY = "locality", _("Town, street or park")
    DEPARTMENT = "department", _("Department")


class ReplyStateChoices(models.TextChoices):
    """A target's reply as the hub's page reads it (the campaign's deadline decides on time / late)."""

    ON_TIME = "on_time", _("Replied on time")
    LATE = "late", _("Replied late")
    NO_PROBLEMS = "no_problems", _("No problems this time")
    NOT_YET = "not_yet", _("Not yet replied")
    OVERDUE = "overdue", _("Not replied, past the deadline")


REPLY_STATE_COLOURS = {
    ReplyStateChoices.ON_TIME: "success",
    ReplyStateChoices.LATE: "warning",
    ReplyStateChoices.NO_PROBLEMS: "secondary",
    ReplyStateChoices.NOT_YET: "light",
    ReplyStateChoices.OVERDUE: "danger",
}
