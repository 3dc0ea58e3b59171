"""Choices of whistles, meetings and supervision."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKindChoices(models.TextChoices):
    # 南开 §三(三): a street calls a coordination meeting through 吹哨报到.
    COORDINATION = "coordination", _("Coordination meeting")
    # 静海 §三(三): the hub's joint meeting names the lead department and the deadline.
    JOINT = "joint", _("Joint meeting")
    # 南开 §三(三) and §四(一): the working group's topic meeting.
    TOPIC = "topic", _("Topic meeting")


class MeetingStatusChoices(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held, minutes recorded")
    CONCLUDED = "concluded", _("Concluded, decisions applied")
    CANCELLED = "cancelled", _("Cancelled")


class ClockChoices(models.TextChoices):
    """The two clocks of a demand (DESIGN.md §4)."""

    RESPONSE = "response", _("Response deadline")
    COMPLETION = "completion", _("Completion deadline")


class SupervisionStepChoices(models.TextChoices):
    """The steps of supervision, in the order they come (DESIGN.md §4: reminder, then 督办, then the step)."""

    REMINDER = "reminder", _("Reminder to the handler")
    SUPERVISION = "supervision", _("Supervision to the handler's lead")
    OVERDUE = "overdue", _("Overdue step")
    # Not a step of the sweep: the hub or the 12345 centre urging the handlers by hand (跟踪督办).
    MANUAL = "manual", _("Supervision by the hub or the grid centre")


class SupervisionOutcomeChoices(models.TextChoices):
    """What a supervision step did (the sweep writes these values into `Supervision.outcome`)."""

    REMINDED = "reminded", _("handler reminded")
    SUPERVISED = "supervised", _("lead supervised")
    ESCALATED = "escalated", _("escalated automatically")
    LEADER_NOTIFIED = "leader_notified", _("leaders told")
    # A reminder overtaken by the 督办 while the sweep was not running: recorded, not sent late.
    SKIPPED = "skipped", _("overtaken by the supervision, not sent")
    # A 督办 by hand: the handlers and their leads told.
    URGED = "urged", _("handlers and their leads told")


STEP_ORDER = (
    SupervisionStepChoices.REMINDER,
    SupervisionStepChoices.SUPERVISION,
    SupervisionStepChoices.OVERDUE,
)


class ReminderModeChoices(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days before the deadline")
    SHARE = "share", _("Share of the time elapsed")


class OverdueActionChoices(models.TextChoices):
    ESCALATE = "escalate", _("Escalate one tier")
    NOTIFY_LEADER = "notify_leader", _("Notify the responsible district leader")
