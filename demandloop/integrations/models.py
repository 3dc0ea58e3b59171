"""Notifications: the in-app inbox, per-user preferences, the departments' robot webhooks, and the outbox.

Every outbound message (e-mail, SMS, robot webhook) is first an `OutboxMessage` row written in the same transaction
as the change that caused it, so a rolled-back change sends nothing and a committed one is never lost; delivery
(`notify.delivery`) claims rows one by one, retries with backoff, and sends each with its idempotency key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.integrations.choices import (
    OUTBOX_CHANNEL_CHOICES,
    OUTBOX_TOPIC_CHOICES,
    ChannelChoices,
    DeliveryStatusChoices,
    TopicChoices,
)


class Notification(models.Model):
    """One message in a user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    district = models.ForeignKey(
        "org.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(
        pgettext_lazy("notification", "topic"), max_length=16, choices=TopicChoices.choices
    )
    # The same cause never lands twice in one inbox (a sweep run twice, a retried action).
    key = models.CharField(_("idempotency key"), max_length=64)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_user_key_uniq")]
        indexes = [
            # The unread badge of every page: a user's unread messages only.
            models.Index(
                fields=["user", "created_at"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    """Which channels a user wants for one topic; without a row the topic's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_prefs",
    )
    topic = models.CharField(
        pgettext_lazy("notification", "topic"), max_length=16, choices=TopicChoices.choices
    )
    in_app = models.BooleanField(_("in-app inbox"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notificationpref_user_topic_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic}"

    def channels(self) -> frozenset[str]:
        chosen = {
            ChannelChoices.IN_APP: self.in_app,
            ChannelChoices.EMAIL: self.email,
            ChannelChoices.SMS: self.sms,
        }
        return frozenset(channel for channel, on in chosen.items() if on)


class WebhookEndpoint(models.Model):
    """A 企业微信 or 钉钉 group robot of a department (or of the whole district when no department is set)."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[(c.value, c.label) for c in (ChannelChoices.WECOM, ChannelChoices.DINGTALK)],
    )
    # The robot's address carries its access token: shown to administrators only.
    url = models.URLField(_("webhook address"), max_length=500)
    # 钉钉 "加签": the robot's signing secret; empty when the robot uses keywords or an IP list instead.
    secret = models.CharField(_("signing secret"), max_length=128, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True, help_text=_("Empty: every topic."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("robot webhook")
        verbose_name_plural = _("robot webhooks")
        ordering = ["district", "department", "name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, topic: str) -> bool:
        return self.is_active and (not self.topics or topic in self.topics)


class OutboxMessage(models.Model):
    """One outbound message, written with the change that caused it and delivered at least once by its key.

    `key` is derived from the cause and the recipient, so enqueuing the same cause twice yields one row, and the
    receiver can drop a repeat delivery (after a worker died between sending and recording) by the same key.
    """

    key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=OUTBOX_CHANNEL_CHOICES)
    topic = models.CharField(
        pgettext_lazy("notification", "topic"), max_length=16, choices=OUTBOX_TOPIC_CHOICES
    )
    district = models.ForeignKey(
        "org.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("robot webhook"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    # E-mail address or mobile number at the time of the change (robots: empty, see `endpoint`).
    recipient = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # What caused it, for the hub's list of failures: "meetings.whistle:12".
    cause = models.CharField(_("cause"), max_length=100, blank=True)

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatusChoices.choices,
        default=DeliveryStatusChoices.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, default=timezone.now)
    # A claimed message belongs to one worker until then; after it, a dead worker's message is claimed again.
    locked_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # `deliver_due` reads only these: pending messages whose time has come, and claims of dead workers.
            # Partial, so a table of millions of delivered messages costs nothing to poll.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["locked_until"], name="outbox_sending_idx", condition=models.Q(status="sending")
            ),
            # The hub's list of failed deliveries.
            models.Index(fields=["district", "status", "created_at"], name="outbox_district_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject}"
