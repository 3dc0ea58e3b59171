"""The 12345 work-order ledger (DESIGN.md §2 `HotlineOrder`): every order the 区网格中心 imported, the demand it
became, and where its status-back to the 12345 system stands."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices, SyncStateChoices


class HotlineOrderQuerySet(models.QuerySet["HotlineOrder"]):
    def for_user(self, user: Any) -> HotlineOrderQuerySet:
        """The orders `user` may see; see `demandloop.integrations.hotline12345.queries`."""
        from demandloop.integrations.hotline12345.queries import scope_orders

        return scope_orders(self, user)


class HotlineOrder(models.Model):
    """One 12345 work order (工单) as imported, linked to the `Demand` it became.

    The imported fields are kept as the file gave them: a later import never overwrites them (a changed row is
    reported instead), so the ledger shows what 12345 sent. `raw_row` keeps every cell of the row by its header.
    """

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="hotline_orders"
    )
    number = models.CharField(_("work-order number"), max_length=64)
    received_at = models.DateTimeField(_("received by 12345 at"))
    # Personal data, masked for roles that do not need it (`privacy.order_contact_for`).
    caller_name = models.CharField(_("caller"), max_length=64, blank=True)
    phone = models.CharField(_("caller's phone"), max_length=20, blank=True)
    enterprise_name = models.CharField(_("enterprise name as given"), max_length=200, blank=True)
    uscc = models.CharField(_("unified social credit code as given"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    title = models.CharField(_("title of the order"), max_length=200)
    content = models.TextField(_("content"))
    hotline_due = models.DateTimeField(_("12345 deadline"), null=True, blank=True)
    raw_row = models.JSONField(_("imported row"), default=dict)

    enterprise_match = models.CharField(
        _("enterprise match"), max_length=16, choices=EnterpriseMatchChoices.choices
    )
    # Why an order has no demand yet, for the dispatcher who links it.
    match_note = models.CharField(_("match note"), max_length=200, blank=True)
    demand = models.OneToOneField(
        "demands.Demand",
        verbose_name=_("demand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_order",
    )

    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    import_file = models.CharField(_("import file"), max_length=255, blank=True)

    # The status-back: the latest message written to the outbox, the demand status it reported, and when
    # 12345 accepted it (set by the transport, only for the latest message).
    feedback_message = models.ForeignKey(
        "integrations.OutboxMessage",
        verbose_name=_("latest status-back message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    feedback_status = models.CharField(_("status reported"), max_length=16, blank=True)
    feedback_written_at = models.DateTimeField(_("status-back written at"), null=True, blank=True)
    feedback_delivered_at = models.DateTimeField(_("status-back accepted at"), null=True, blank=True)
    feedback_count = models.PositiveIntegerField(_("status-backs written"), default=0)

    objects = HotlineOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("12345 work order")
        verbose_name_plural = _("12345 work orders")
        ordering = ["-received_at", "-pk"]
        constraints = [
            # Idempotency of the import: a number names one order per district (12345 numbers per district).
            models.UniqueConstraint(fields=["district", "number"], name="hotlineorder_district_number_uniq"),
            models.CheckConstraint(
                condition=models.Q(demand__isnull=False) | models.Q(enterprise_match="unmatched"),
                name="hotlineorder_linked_unless_unmatched",
            ),
        ]
        indexes = [
            # The dispatcher's list: a district's orders, newest first.
            models.Index(fields=["district", "received_at"], name="hotlineorder_district_recv_idx"),
            # The dispatcher's "to link" list is short: only unmatched orders are indexed.
            models.Index(
                fields=["district"],
                name="hotlineorder_unmatched_idx",
                condition=models.Q(demand__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"12345 {self.number}"

    @property
    def sync_state(self) -> SyncStateChoices:
        """Where the latest status-back stands: read from its outbox message (`feedback_message`)."""
        if not self.feedback_status:
            return SyncStateChoices.IDLE
        if self.feedback_delivered_at is not None:
            return SyncStateChoices.DELIVERED
        message = self.feedback_message
        if message is not None and message.status == "failed":
            return SyncStateChoices.FAILED
        if message is not None and message.status == "delivered":
            return SyncStateChoices.DELIVERED
        return SyncStateChoices.PENDING
