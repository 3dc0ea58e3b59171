"""Choices of the 12345 work orders: how the enterprise was found, and where the status-back to 12345 stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseMatchChoices(models.TextChoices):
    """How the order's enterprise was found in the ledger (or why it was not)."""

    USCC = "uscc", _("Matched by unified social credit code")
    NAME = "name", _("Matched by exact name")
    REGISTERED = "registered", _("Registered from the order, awaiting the hub's review")
    CHOSEN = "chosen", _("Chosen by the dispatcher")
    UNMATCHED = "unmatched", _("Not found in the ledger")


class SyncStateChoices(models.TextChoices):
    """Where the latest status-back of an order stands (read from its outbox message)."""

    IDLE = "idle", _("Nothing reported yet")
    PENDING = "pending", _("Waiting to be reported to 12345")
    DELIVERED = "delivered", _("Reported to 12345")
    FAILED = "failed", _("Report to 12345 failed")

    @property
    def colour(self) -> str:
        """Bootstrap colour name of the badge, as the demand statuses have (demands/choices.py)."""
        return SYNC_STATE_COLOURS[self.value]


SYNC_STATE_COLOURS = {"idle": "light", "pending": "warning", "delivered": "success", "failed": "danger"}
