"""Solicitation campaigns (定期征询, DESIGN.md §6 Intake; 静海 §二(四): "区营商办定期征询需求 … 向乡镇街道园区主动
征询、与相关部门联动 … 将问题梳理为一般问题和复杂问题").

* A `Campaign` of a district's hub asks its localities and departments (`CampaignTarget`, one per unit) a question
  by a reply deadline: a date, or N working days from the launch counted by the calendar (DESIGN.md §5).
* Each target answers with one `Reply`: its `ReplyProblem` rows, or an explicit "no problems this time".
* When the hub accepts a reply, every problem naming an enterprise becomes a `Demand` with channel
  `solicitation` through `demands.actions.do_receive`, linked from `ReplyProblem.demand`; from there it follows
  the normal life (screening, triage, tiers, deadlines). A problem naming no enterprise is a general problem
  (共性问题): listed for the hub, not a demand (a demand belongs to an enterprise).
* `CampaignReminder` records each reminder the hub sent to the units that had not replied.

Status fields change only through `solicitation.actions`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.demands.choices import ComplexityChoices
from demandloop.solicitation.choices import CampaignStatusChoices, ReplyStatusChoices, TargetKindChoices


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_user(self, user: Any) -> CampaignQuerySet:
        """The campaigns `user` may see; see `demandloop.solicitation.queries`."""
        from demandloop.solicitation.queries import scope_campaigns

        scoped: CampaignQuerySet = scope_campaigns(self, user)
        return scoped


class Campaign(models.Model):
    """A round of solicitation (一期征询): the question, the units asked, the reply deadline."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(pgettext_lazy("campaign", "title"), max_length=200)
    instructions = models.TextField(_("question and instructions"))
    domain = models.ForeignKey(
        "org.Domain",
        verbose_name=_("domain"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The deadline is given one of two ways; it becomes `reply_due` at the launch.
    reply_days = models.PositiveSmallIntegerField(_("reply within (working days)"), null=True, blank=True)
    reply_by = models.DateField(_("reply by"), null=True, blank=True)
    reply_due = models.DateTimeField(_("reply deadline"), null=True, blank=True)
    reply_due_provisional = models.BooleanField(_("reply deadline is provisional"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatusChoices.choices, default=CampaignStatusChoices.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("solicitation campaign")
        verbose_name_plural = _("solicitation campaigns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["district", "status"], name="campaign_district_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reply_days__isnull=True) | models.Q(reply_by__isnull=True),
                name="campaign_one_way_of_deadline",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(reply_due__isnull=False),
                name="campaign_launched_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_past_due(self) -> bool:
        return self.reply_due is not None and timezone.now() > self.reply_due

    def get_status_display_colour(self) -> str:
        return {"draft": "secondary", "launched": "primary", "closed": "light"}[self.status]


class CampaignTarget(models.Model):
    """One unit asked by a campaign: a locality (answered by its officers) or a department (by its coordinators)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("kind"), max_length=12, choices=TargetKindChoices.choices)
    locality = models.ForeignKey(
        "org.Locality",
        verbose_name=_("locality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="locality", locality__isnull=False, department__isnull=True)
                    | models.Q(kind="department", department__isnull=False, locality__isnull=True)
                ),
                name="campaigntarget_one_unit",
            ),
            models.UniqueConstraint(
                fields=["campaign", "locality"],
                condition=models.Q(locality__isnull=False),
                name="campaigntarget_locality_uniq",
            ),
            models.UniqueConstraint(
                fields=["campaign", "department"],
                condition=models.Q(department__isnull=False),
                name="campaigntarget_department_uniq",
            ),
        ]
        indexes = [
            # A unit's list of campaigns to answer.
            models.Index(fields=["locality"], name="campaigntarget_locality_idx"),
            models.Index(fields=["department"], name="campaigntarget_department_idx"),
        ]

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def unit(self) -> Any:
        return self.locality if self.kind == TargetKindChoices.LOCALITY else self.department


class Reply(models.Model):
    """A target unit's answer: a draft it may change, then submitted once (on time or late), then accepted."""

    target = models.OneToOneField(CampaignTarget, on_delete=models.CASCADE, related_name="reply")
    status = models.CharField(
        _("status"), max_length=12, choices=ReplyStatusChoices.choices, default=ReplyStatusChoices.DRAFT
    )
    # 本期无问题: said explicitly, so "no problems" is never confused with "not answered".
    no_problems = models.BooleanField(_("no problems this time"), default=False)
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Late replies are accepted, and marked: fixed at submission against the deadline then in force.
    is_late = models.BooleanField(pgettext_lazy("reply", "late"), default=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the hub returned it last (退回), shown to the unit until it submits again.
    returned_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["target"]

    def __str__(self) -> str:
        return f"{self.target} · {self.get_status_display()}"


class ReplyProblem(models.Model):
    """One problem a unit reported; becomes a demand (channel solicitation) when the hub accepts the reply."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="problems")
    order = models.PositiveIntegerField(_("number"), default=0)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "org.Area", verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = models.TextField(_("problem"))
    # The replying unit's view; the hub's triage decides the demand's own complexity.
    complexity = models.CharField(_("simple or complex"), max_length=8, choices=ComplexityChoices.choices)
    demand = models.OneToOneField(
        "demands.Demand",
        verbose_name=_("demand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="solicitation_problem",
    )

    class Meta:
        verbose_name = _("reported problem")
        verbose_name_plural = _("reported problems")
        ordering = ["reply", "order", "pk"]

    def __str__(self) -> str:
        return self.content[:40]

    @property
    def is_general(self) -> bool:
        """A problem naming no enterprise (共性问题): not a demand of its own."""
        return self.enterprise_id is None


class CampaignReminder(models.Model):
    """A reminder the hub sent to the units that had not replied (催报), and to whom."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    targets = models.ManyToManyField(
        CampaignTarget, verbose_name=_("units reminded"), related_name="reminders"
    )
    recipients = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["campaign", "-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.sent_at:%Y-%m-%d %H:%M}"
