"""A demand (诉求) and everything that happens to it (DESIGN.md §4).

Lifecycle fields are written only by the `do_*` functions of `demandloop.demands.actions`; every change bumps
`version`, which the actions use for their compare-and-swap, and appends a `DemandEvent`.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demandloop.core.phones import validate_contact_phone
from demandloop.demands.choices import (
    ChannelChoices,
    CityChannelChoices,
    ComplexityChoices,
    DemandActionChoices,
    DemandStatusChoices,
    DirectSourceChoices,
    SatisfiedChoices,
    SolvedChoices,
)

if TYPE_CHECKING:
    from demandloop.org.models import User


class DemandQuerySet(models.QuerySet["Demand"]):
    def for_user(self, user: User | Any) -> DemandQuerySet:
        """The demands `user` may see (DESIGN.md §1); see `demandloop.demands.queries`."""
        from demandloop.demands.queries import scope_demands

        return scope_demands(self, user)

    def awaiting_district(self) -> DemandQuerySet:
        """The demands waiting at district level for the hub (or the leaders) to act: escalated at any tier, or
        triaged straight to tier 3 or 4 (a matter the officer saw at once was beyond the area and the departments'
        direct channel) and not yet decided."""
        from demandloop.demands.choices import DemandStatusChoices as S

        return self.filter(models.Q(status=S.ESCALATED) | models.Q(status=S.TRIAGED, tier__level__gte=3))


class Demand(models.Model):
    """A need an enterprise raised, from intake to evaluation, with its tier, handlers and two clocks."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="demands"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelChoices.choices)
    # Only for the officer channel: how the officer heard of it (企业诉求直通车).
    source = models.CharField(_("source"), max_length=16, choices=DirectSourceChoices.choices, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    # Personal data: masked for roles that do not need it (see `demandloop.demands.privacy`).
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validate_contact_phone]
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Screening and triage.
    exclusion = models.ForeignKey(
        "org.Exclusion",
        verbose_name=_("exclusion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    # What the enterprise was told, kept as shown even if the preset's wording changes later.
    redirect_text = models.TextField(_("redirect text"), blank=True)
    domain = models.ForeignKey(
        "org.Domain",
        verbose_name=_("domain"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    complexity = models.CharField(
        _("complexity"), max_length=8, choices=ComplexityChoices.choices, blank=True
    )
    tier = models.ForeignKey(
        "org.Tier",
        verbose_name=_("tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    # The first-tier unit responsible for the enterprise; its officers inform the enterprise.
    area = models.ForeignKey(
        "org.Area",
        verbose_name=_("responsible area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    lead_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_demands",
    )
    co_departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("co-departments"),
        through="DemandCoDepartment",
        blank=True,
        related_name="co_demands",
    )

    status = models.CharField(
        _("status"), max_length=16, choices=DemandStatusChoices.choices, default=DemandStatusChoices.RECEIVED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # Bumped by every action; the compare-and-swap claims (pk, status, version).
    version = models.PositiveIntegerField(_("version"), default=0)

    # Clock one: plan + ETA owed within the tier's working days of entering it.
    tier_entered_at = models.DateTimeField(_("entered the tier at"), null=True, blank=True)
    response_due = models.DateTimeField(_("response deadline"), null=True, blank=True, db_index=True)
    # The calendar had no published arrangement for a year the deadline crosses (DESIGN.md §5).
    response_due_provisional = models.BooleanField(_("response deadline is provisional"), default=False)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    # Clock two: the ETA the handler (or the tier-3 decision) committed to. A reopen keeps both clocks.
    completion_due = models.DateTimeField(_("completion deadline"), null=True, blank=True, db_index=True)

    plan = models.TextField(_("plan"), blank=True)
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    informed_at = models.DateTimeField(_("enterprise informed at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    evaluation_solved = models.CharField(
        _("solved?"), max_length=12, choices=SolvedChoices.choices, blank=True
    )
    evaluation_satisfied = models.CharField(
        _("satisfied?"), max_length=16, choices=SatisfiedChoices.choices, blank=True
    )
    evaluation_comment = models.TextField(_("evaluation comment"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)

    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    extension_requested_until = models.DateTimeField(_("extension requested until"), null=True, blank=True)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions approved"), default=0)

    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    # External references: the 12345 work order, and the city platform's reference once transferred.
    hotline_number = models.CharField(_("12345 work-order number"), max_length=64, blank=True, db_index=True)
    city_channel = models.CharField(
        _("city channel"), max_length=16, choices=CityChannelChoices.choices, blank=True
    )
    city_reference = models.CharField(_("city platform reference"), max_length=64, blank=True)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    # Sent to the city desk inside this platform (a city-wide deployment, DESIGN.md §1), which the demand's own
    # number identifies, rather than to an outside city channel that gives its reference.
    at_city_desk = models.BooleanField(_("sent to the city desk"), default=False)

    # What the router suggested when the demand was triaged, and what the officer chose: the training data of
    # the district's own router (issue 6).
    routing_suggestion = models.JSONField(_("routing suggestion"), default=dict, blank=True)
    routing_choice = models.JSONField(_("routing choice"), default=dict, blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DemandQuerySet.as_manager()
    # The co-department rows as the actions last read or wrote them (see `actions._co_links`); not a field.
    _co_links: dict[int, DemandCoDepartment]

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-received_at", "-pk"]
        indexes = [
            # Work lists: a district's open demands by status, an area's, a department's.
            models.Index(fields=["district", "status"], name="demand_district_status_idx"),
            models.Index(fields=["area", "status"], name="demand_area_status_idx"),
            models.Index(fields=["lead_department", "status"], name="demand_lead_status_idx"),
            models.Index(fields=["enterprise", "received_at"], name="demand_enterprise_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="out_of_scope") | models.Q(exclusion__isnull=False),
                name="demand_out_of_scope_has_exclusion",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(duplicate_of__isnull=False),
                name="demand_merged_has_original",
            ),
            # A matter pushed to 津产发 gets its reference in the platform's answer, a moment after the transfer
            # (`actions.do_transfer`, integrations/city_platform); the city desk of a city-wide deployment knows
            # it by the demand's own number; every other channel's is typed at transfer.
            models.CheckConstraint(
                condition=~models.Q(status="transferred")
                | ~models.Q(city_reference="")
                | models.Q(city_channel="jinchanfa")
                | models.Q(at_city_desk=True),
                name="demand_transferred_has_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(channel="officer") | models.Q(source=""),
                name="demand_source_only_for_officer_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def tier_level(self) -> int | None:
        return self.tier.level if self.tier_id else None

    def get_status_display_colour(self) -> str:
        return DemandStatusChoices(self.status).colour


class DemandCoDepartment(models.Model):
    """A co-department (协办部门) of a demand and the part it reported; the demand resolves only when every
    co-department has reported (DESIGN.md §4)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="co_department_links")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    part = models.TextField(_("reported part"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("co-department")
        verbose_name_plural = _("co-departments")
        ordering = ["demand", "department"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "department"], name="demand_codepartment_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.department}"


def attachment_path(instance: DemandAttachment, filename: str) -> str:
    # Never the uploaded name: it could carry path tricks; the original name is kept in a field.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"demands/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DemandAttachment(models.Model):
    """A file attached to a demand. Stored outside the web root (STORAGES["default"]) and served only through
    the scoped API view, as an attachment, never inline."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["demand", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DemandEvent(models.Model):
    """One change of a demand: who, in which role, when, which action, from → to, the note, and both clocks as
    they stood afterwards. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    # Empty for the platform's own jobs (the overdue sweep, imports).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=DemandActionChoices.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=DemandStatusChoices.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=DemandStatusChoices.choices)
    from_tier = models.PositiveSmallIntegerField(_("from tier"), null=True, blank=True)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    response_due = models.DateTimeField(_("response deadline in force"), null=True, blank=True)
    completion_due = models.DateTimeField(_("completion deadline in force"), null=True, blank=True)
    # The action's arguments in machine-readable form (department codes, reason codes, references …).
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")
        ordering = ["demand", "at", "pk"]
        indexes = [
            models.Index(fields=["demand", "at"], name="demandevent_demand_at_idx"),
            # The figures count actions per period (三率: responses, resolutions, evaluations).
            models.Index(fields=["action", "at"], name="demandevent_action_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action} {self.from_status}→{self.to_status}"
