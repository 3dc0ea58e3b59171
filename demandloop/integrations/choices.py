"""Choices of the notifications: channels, topics, and the states of an outbound message."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.org.choices import ADMIN_ROLES, RoleChoices


class ChannelChoices(models.TextChoices):
    """Where a notification goes. The in-app inbox is written directly; every other channel through the outbox."""

    IN_APP = "in_app", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")


# Channels a person chooses for themselves; robots belong to a department's group chat.
PERSONAL_CHANNELS = (ChannelChoices.IN_APP, ChannelChoices.EMAIL, ChannelChoices.SMS)
WEBHOOK_CHANNELS = (ChannelChoices.WECOM, ChannelChoices.DINGTALK)


class TopicChoices(models.TextChoices):
    """What a notification is about; preferences are per topic."""

    WHISTLE = "whistle", _("Whistle: report in")
    MEETING = "meeting", _("Meeting")
    DECISION = "decision", _("Meeting decision")
    REMINDER = "reminder", _("Deadline reminder")
    SUPERVISION = "supervision", pgettext_lazy("notification topic", "Supervision")
    OVERDUE = "overdue", _("Overdue escalation")
    SOLICITATION = "solicitation", _("Solicitation campaign")
    # To the author: the hub's review of their case (returned, accepted, chosen for the top ten).
    CASE = "case", _("Typical case review")
    # To the hub: a case nominated (or resubmitted) and waiting for its review.
    CASE_NOMINATED = "case_nominated", _("Typical case awaiting review")
    # To the hub: a service officer recorded a common or difficult problem (静海 §四(二)).
    PROBLEM = "problem", _("Common problem recorded by an officer")
    # To the areas' officers: the month's new and deregistered enterprises of their area (静海 §四(二)).
    LEDGER = "ledger", _("Monthly ledger update")
    REPORT = "report", _("Monthly report")
    # To the hub: the city platform reported on a demand the district had already settled (recorded only).
    CITY_REPORT = "city_report", _("City platform report after the district acted")
    # To the enterprise's own accounts: its demand was answered, refused, given a plan, resolved or passed on.
    DEMAND = "demand", _("Progress of my demand")
    # To the security administrators: an account was locked after failed sign-ins (三权分立).
    SECURITY = "security", _("Account locked")
    # Between a city-wide deployment's city desk and the districts: a transfer to the desk, the desk's answer.
    CITY_DESK = "city_desk", _("Transfers to the city desk")
    # To the system and security administrators: an integration's API token expires soon.
    API_TOKEN = "api_token", _("API token expiring")


# Without a stored preference: the inbox and e-mail always, SMS only for what cannot wait.
DEFAULT_CHANNELS: dict[str, frozenset[str]] = {
    topic: frozenset({ChannelChoices.IN_APP, ChannelChoices.EMAIL}) for topic in TopicChoices.values
}
DEFAULT_CHANNELS[TopicChoices.SUPERVISION] = frozenset(
    {ChannelChoices.IN_APP, ChannelChoices.EMAIL, ChannelChoices.SMS}
)
DEFAULT_CHANNELS[TopicChoices.OVERDUE] = frozenset(
    {ChannelChoices.IN_APP, ChannelChoices.EMAIL, ChannelChoices.SMS}
)


# Who hears of what: an enterprise of its demands, a security administrator of locked accounts, the people who
# work on demands of everything else. The settings page offers each person the topics of their roles.
TOPIC_AUDIENCE: dict[str, frozenset[str]] = {
    TopicChoices.DEMAND: frozenset({RoleChoices.ENTERPRISE}),
    TopicChoices.SECURITY: frozenset({RoleChoices.SECADMIN}),
    TopicChoices.API_TOKEN: frozenset({RoleChoices.SYSADMIN, RoleChoices.SECADMIN}),
    TopicChoices.CITY_DESK: frozenset({RoleChoices.CITY, RoleChoices.HUB}),
}
# The city desk hears only of the transfers it receives.
STAFF_ROLES = frozenset(RoleChoices.values) - {RoleChoices.ENTERPRISE, RoleChoices.CITY} - ADMIN_ROLES


def topics_for(roles: frozenset[str] | set[str]) -> list[TopicChoices]:
    """The topics a person holding `roles` may hear of, in the order of the choices."""
    return [topic for topic in TopicChoices if TOPIC_AUDIENCE.get(topic, STAFF_ROLES) & set(roles)]


# The outbox also carries what the platform tells other systems, each under its adapter's channel and topic
# (hotline12345.statusback, city_platform.outbound): named here so that the deliveries page says what they are.
SYSTEM_CHANNELS = [
    ("hotline12345", _("12345 hotline system")),
    ("city_platform", _("City platform (Jinchanfa)")),
]
OUTBOX_CHANNEL_CHOICES = [*ChannelChoices.choices, *SYSTEM_CHANNELS]
OUTBOX_TOPIC_CHOICES = [*TopicChoices.choices, *SYSTEM_CHANNELS]


class DeliveryStatusChoices(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
