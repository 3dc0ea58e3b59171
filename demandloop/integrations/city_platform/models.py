"""The matters the district shares with the city platform 津产发 (DESIGN.md §1, §6 integrations), and the log of
every message the city sent.

静海 §二(三) joins the district's platform to 津产发 "实现数据共享"; 南开 §三(四) hands city-level matters to it and
tracks them until the city answers. A `CityMatter` links one demand to its city reference, whichever way it went,
and says where the latest outbound message (the push, or a status-back) stands. `CityInboundMessage` keeps each
signed message of the city by its event id: the replay guard, and the record of what was done with it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.integrations.city_platform.choices import (
    CityStatusChoices,
    DirectionChoices,
    InboundKindChoices,
    InboundOutcomeChoices,
    SyncStateChoices,
)


class CityMatter(models.Model):
    """One demand shared with the city platform: transferred by the district, or sent by the city.

    Written only by `outbound` (a transfer, a status-back, the city's answer to a push) and `inbound` (the city's
    messages), inside the demand's own actions' transactions.
    """

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="city_matters"
    )
    demand = models.OneToOneField(
        "demands.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="city_matter"
    )
    direction = models.CharField(_("direction"), max_length=16, choices=DirectionChoices.choices)
    # Empty while a push waits for the city's answer, which carries the reference.
    city_reference = models.CharField(_("city platform reference"), max_length=64, blank=True)

    # What the city last reported on a transferred matter, and the sequence of that report (the city numbers
    # its reports per reference; a lower or equal number arriving later is older news and is not applied).
    city_status = models.CharField(
        _("city's status"), max_length=16, choices=CityStatusChoices.choices, blank=True
    )
    last_sequence = models.PositiveIntegerField(_("last sequence applied"), default=0)
    city_status_at = models.DateTimeField(_("city's status reported at"), null=True, blank=True)

    # The latest push of the matter (a transfer); its answer carries the city's reference.
    push_message = models.ForeignKey(
        "integrations.OutboxMessage",
        verbose_name=_("latest push"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The latest outbound message (the push of a transfer, or a status-back of a matter the city sent), and when
    # the city platform accepted it (set by the transport, only for the latest message).
    outbound_message = models.ForeignKey(
        "integrations.OutboxMessage",
        verbose_name=_("latest outbound message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outbound_status = models.CharField(_("demand status sent"), max_length=16, blank=True)
    outbound_written_at = models.DateTimeField(_("outbound message written at"), null=True, blank=True)
    outbound_accepted_at = models.DateTimeField(_("outbound message accepted at"), null=True, blank=True)
    outbound_count = models.PositiveIntegerField(_("outbound messages written"), default=0)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("city platform matter")
        verbose_name_plural = _("city platform matters")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One city platform, one namespace of references: a reference names one matter. The city's status
            # messages and its inbound matters are found (and made idempotent) by it.
            models.UniqueConstraint(
                fields=["city_reference"],
                condition=~models.Q(city_reference=""),
                name="citymatter_reference_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"津产发 {self.city_reference or '—'} · #{self.demand_id}"

    @property
    def sync_state(self) -> SyncStateChoices:
        """Where the latest outbound message stands: read from its outbox row (`outbound_message`)."""
        if self.outbound_written_at is None:
            return SyncStateChoices.IDLE
        if self.outbound_accepted_at is not None:
            return SyncStateChoices.DELIVERED
        message = self.outbound_message
        if message is not None and message.status == "failed":
            return SyncStateChoices.FAILED
        if message is not None and message.status == "delivered":
            return SyncStateChoices.DELIVERED
        return SyncStateChoices.PENDING

    @property
    def last_error(self) -> str:
        message: Any = self.outbound_message
        return message.last_error if message is not None and self.sync_state != "delivered" else ""


class CityInboundMessage(models.Model):
    """One signed message of the city platform, kept by its event id: a repeat is answered as before and never
    applied again; the same id with another body is refused."""

    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=InboundKindChoices.choices)
    matter = models.ForeignKey(
        CityMatter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="inbound_messages"
    )
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    status = models.CharField(_("status reported"), max_length=16, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=InboundOutcomeChoices.choices)
    # SHA-256 of the message as data (inbound._digest): tells a true repeat from a reused event id.
    digest = models.CharField(_("SHA-256 of the body"), max_length=64)
    payload = models.JSONField(pgettext_lazy("city platform", "message"), default=dict)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("message from the city platform")
        verbose_name_plural = _("messages from the city platform")
        ordering = ["matter", "received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
