"""Whistles (吹哨报到), coordination / joint / topic meetings and their decisions, and supervision (督办).

* A `Whistle` summons departments to a demand; each summoned department has one `WhistleResponse`, reported in
  (报到) or not, on time or late — the figures count both per department.
* A `Meeting` has an agenda (demands waiting for a tier-3 decision, and common problems the hub adds), attendees,
  minutes, and one `MeetingDecision` per demand, applied to the demand through `demands.actions.do_decide`.
* Supervision: `DeadlineWatch` says when each open clock of a demand next needs the sweep (`sla.sweep`);
  `Supervision` records each step taken, once per deadline and step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.meetings.choices import (
    ClockChoices,
    MeetingKindChoices,
    MeetingStatusChoices,
    OverdueActionChoices,
    ReminderModeChoices,
    SupervisionOutcomeChoices,
    SupervisionStepChoices,
)


class WhistleQuerySet(models.QuerySet["Whistle"]):
    def for_user(self, user: object) -> WhistleQuerySet:
        from demandloop.meetings.queries import scope_whistles

        scoped: WhistleQuerySet = scope_whistles(self, user)
        return scoped


class Whistle(models.Model):
    """An officer's summons of departments to one demand (吹哨); each must report in within the district's limit."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    demand = models.ForeignKey(
        "demands.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="whistles"
    )
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blown by"), on_delete=models.PROTECT, related_name="+"
    )
    blown_at = models.DateTimeField(_("blown at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    # `District.whistle_report_days` working days from the summons (静海 §二(二): 及时"报到").
    report_due = models.DateTimeField(_("report-in deadline"))
    report_due_provisional = models.BooleanField(_("report-in deadline is provisional"), default=False)

    objects = WhistleQuerySet.as_manager()

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-blown_at", "-pk"]
        indexes = [models.Index(fields=["district", "blown_at"], name="whistle_district_at_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.demand_id}"


class WhistleResponseQuerySet(models.QuerySet["WhistleResponse"]):
    def awaited(self) -> WhistleResponseQuerySet:
        """Report-ins still asked for: not given, on a demand still open. One on a demand answered, resolved or
        ended is no longer asked for (it stays counted as not reported) and is again if the demand reopens."""
        from demandloop.demands.flow import OPEN_STATUSES

        return self.filter(reported_at__isnull=True, whistle__demand__status__in=OPEN_STATUSES)


class WhistleResponse(models.Model):
    """One summoned department's 报到: empty `reported_at` until its coordinator reports in."""

    whistle = models.ForeignKey(
        Whistle, verbose_name=_("whistle"), on_delete=models.CASCADE, related_name="responses"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="whistle_responses",
    )
    reported_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported in by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("what the department will do"), blank=True)
    # When the department's lead and the whistle's blower were told that the report-in is late (once).
    overdue_notified_at = models.DateTimeField(_("lateness notified at"), null=True, blank=True)

    objects = WhistleResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("report-in")
        verbose_name_plural = _("report-ins")
        ordering = ["whistle", "department"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "department"], name="whistleresponse_department_uniq"),
        ]
        indexes = [
            # A department's list of summons still to answer.
            models.Index(
                fields=["department"],
                name="whistleresponse_open_idx",
                condition=models.Q(reported_at__isnull=True),
            ),
            # The lateness sweep: unreported and not yet notified.
            models.Index(
                fields=["whistle"],
                name="whistleresponse_late_idx",
                condition=models.Q(reported_at__isnull=True, overdue_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.whistle_id} · {self.department}"

    @property
    def on_time(self) -> bool | None:
        """Whether the department reported in by the deadline; None while it has not reported."""
        if self.reported_at is None:
            return None
        return self.reported_at <= self.whistle.report_due


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def for_user(self, user: object) -> MeetingQuerySet:
        from demandloop.meetings.queries import scope_meetings

        scoped: MeetingQuerySet = scope_meetings(self, user)
        return scoped


class Meeting(models.Model):
    """A coordination, joint or topic meeting: agenda, attendees, minutes and a decision per demand."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKindChoices.choices)
    title = models.CharField(pgettext_lazy("meeting", "title"), max_length=200)
    scheduled_at = models.DateTimeField(_("time"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    chair = models.CharField(_("chaired by"), max_length=64, blank=True)
    # A coordination meeting called from a whistle (南开 §三(三): 利用"吹哨报到"机制，召开协调会).
    whistle = models.ForeignKey(
        Whistle,
        verbose_name=_("whistle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatusChoices.choices, default=MeetingStatusChoices.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [models.Index(fields=["district", "scheduled_at"], name="meeting_district_at_idx")]

    def __str__(self) -> str:
        return self.title


class MeetingAttendee(models.Model):
    """A department (and, where known, the person) invited to a meeting, and whether it attended."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Someone without an account (a district leader, an enterprise's representative).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False)
                | models.Q(user__isnull=False)
                | ~models.Q(name=""),
                name="meetingattendee_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.user or self.department)


class MeetingAgendaItem(models.Model):
    """One item of a meeting's agenda: a demand waiting for a decision, or a common problem the hub adds."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    demand = models.ForeignKey(
        "demands.Demand",
        verbose_name=_("demand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "demand"],
                name="agendaitem_demand_once",
                condition=models.Q(demand__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(demand__isnull=False) | ~models.Q(topic=""),
                name="agendaitem_demand_or_topic",
            ),
        ]

    def __str__(self) -> str:
        return self.topic or f"#{self.demand_id}"


class MeetingDecision(models.Model):
    """The meeting's decision on one demand: lead department, co-departments, deadline (静海 §三(三)).

    Recorded while the meeting runs; applied to the demand (through `do_decide`) when the meeting concludes.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions"
    )
    demand = models.ForeignKey(
        "demands.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="meeting_decisions"
    )
    lead_department = models.ForeignKey(
        "org.Department", verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="+"
    )
    co_departments = models.ManyToManyField(
        "org.Department", verbose_name=_("co-departments"), blank=True, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "demand"], name="meetingdecision_demand_uniq")
        ]
        indexes = [models.Index(fields=["lead_department", "deadline"], name="decision_lead_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.meeting_id} · #{self.demand_id}"


class SupervisionPolicy(models.Model):
    """A district's supervision settings: when to remind, and what happens once a deadline has passed."""

    district = models.OneToOneField(
        "org.District",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="supervision_policy",
    )
    reminder_mode = models.CharField(
        _("remind"),
        max_length=16,
        choices=ReminderModeChoices.choices,
        default=ReminderModeChoices.WORKING_DAYS,
    )
    # WORKING_DAYS: at the start of the last N working days before the deadline.
    reminder_working_days = models.PositiveSmallIntegerField(_("working days before the deadline"), default=1)
    # SHARE: once this share of the time between entering the clock and the deadline has passed.
    reminder_share_percent = models.PositiveSmallIntegerField(_("share of the time (%)"), default=80)
    overdue_action = models.CharField(
        _("step past the deadline"),
        max_length=16,
        choices=OverdueActionChoices.choices,
        default=OverdueActionChoices.ESCALATE,
    )
    # The step runs when this many working days have passed after the deadline (0: as soon as it passes).
    overdue_after_working_days = models.PositiveSmallIntegerField(
        _("working days past the deadline"), default=1
    )

    class Meta:
        verbose_name = _("supervision policy")
        verbose_name_plural = _("supervision policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_share_percent__gte=1, reminder_share_percent__lte=99),
                name="supervisionpolicy_share_1_99",
            ),
        ]

    def __str__(self) -> str:
        return str(self.district)


class DeadlineWatch(models.Model):
    """When one clock of a demand next needs the sweep, and for which step.

    Kept in step with the demand by the `demand_changed` signal (`meetings.signals`); the sweep reads only rows
    whose `next_at` has come, through a partial index, so its cost follows what is due, not what is open.
    """

    demand = models.ForeignKey("demands.Demand", on_delete=models.CASCADE, related_name="deadline_watches")
    district = models.ForeignKey("org.District", on_delete=models.CASCADE, related_name="+")
    clock = models.CharField(_("clock"), max_length=16, choices=ClockChoices.choices)
    started_at = models.DateTimeField(_("clock started at"))
    due = models.DateTimeField(_("deadline"))
    next_step = models.CharField(
        _("next step"), max_length=16, choices=SupervisionStepChoices.choices, blank=True
    )
    next_at = models.DateTimeField(_("next step at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline watch")
        verbose_name_plural = _("deadline watches")
        constraints = [
            models.UniqueConstraint(fields=["demand", "clock"], name="deadlinewatch_demand_clock_uniq")
        ]
        indexes = [
            # The sweep's only read: `next_at <= now`; finished watches (next_at NULL) are not in the index.
            models.Index(
                fields=["next_at"], name="deadlinewatch_due_idx", condition=models.Q(next_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.demand_id} {self.clock} → {self.next_step} @ {self.next_at}"


class Supervision(models.Model):
    """One supervision step taken on a demand: a reminder, a 督办, or the overdue step (escalation or leader) of
    the sweep; or a 督办 by hand (step `manual`), by the hub or the 12345 centre, with what it urges.

    At most one sweep step per demand, clock, deadline and step: a second sweep over the same moment finds the
    row and does nothing, and a new deadline (a new tier, an extension) starts a fresh set of steps. A 督办 by
    hand may come any number of times, also while no clock runs (then without clock and deadline).
    """

    demand = models.ForeignKey(
        "demands.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="supervisions"
    )
    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    clock = models.CharField(_("clock"), max_length=16, choices=ClockChoices.choices, blank=True)
    due = models.DateTimeField(_("deadline"), null=True, blank=True)
    step = models.CharField(_("step"), max_length=16, choices=SupervisionStepChoices.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    # The department that handled the demand at the time, for the per-department figures.
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=32, blank=True, choices=SupervisionOutcomeChoices.choices
    )
    recipients = models.PositiveSmallIntegerField(_("people notified"), default=0)
    # A 督办 by hand: who urged, and what.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "clock", "due", "step"],
                condition=~models.Q(step="manual"),
                name="supervision_once_per_step",
            ),
        ]
        indexes = [models.Index(fields=["district", "at"], name="supervision_district_at_idx")]

    def __str__(self) -> str:
        return f"#{self.demand_id} {self.get_clock_display()} {self.get_step_display()}"

    @property
    def outcome_label(self) -> str:
        """The outcome in words ("" while the overdue step is still being taken)."""
        if self.outcome in SupervisionOutcomeChoices.values:
            return str(SupervisionOutcomeChoices(self.outcome).label)
        return self.outcome
