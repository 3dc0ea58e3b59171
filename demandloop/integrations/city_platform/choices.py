"""Choices of the city platform (津产发) integration: which way a matter went, what the city reported, where the
latest outbound message stands, and what became of a message the city sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DirectionChoices(models.TextChoices):
    """Which way the matter went between the district and the city platform."""

    TRANSFERRED = "transferred", _("Transferred by the district to the city")
    RECEIVED = "received", _("Sent by the city to the district")


class CityStatusChoices(models.TextChoices):
    """What the city platform reported on a matter the district transferred (the interface's status codes)."""

    ACCEPTED = "accepted", _("Accepted by the city")
    IN_PROGRESS = "in_progress", _("Being handled by the city")
    ANSWERED = "answered", _("Answered by the city")
    RETURNED = "returned", _("Returned by the city")


class SyncStateChoices(models.TextChoices):
    """Where the matter's latest outbound message (the push, or a status-back) stands."""

    IDLE = "idle", _("Nothing sent to the city platform")
    PENDING = "pending", _("Waiting to be sent to the city platform")
    DELIVERED = "delivered", _("Accepted by the city platform")
    FAILED = "failed", _("Sending to the city platform failed")

    @property
    def colour(self) -> str:
        """Bootstrap colour name of the badge, as the demand statuses have (demands/choices.py)."""
        return SYNC_STATE_COLOURS[self.value]


SYNC_STATE_COLOURS = {"idle": "light", "pending": "warning", "delivered": "success", "failed": "danger"}


class InboundKindChoices(models.TextChoices):
    STATUS = "status", _("Status of a transferred matter")
    MATTER = "matter", _("Matter sent to the district")


class InboundOutcomeChoices(models.TextChoices):
    """What the platform did with a message of the city."""

    APPLIED = "applied", _("Applied")
    STALE = "stale", _("Older than a status already applied; kept, not applied")
    RECORDED = "recorded", _("Recorded on a demand that no longer awaited the city; not applied")
