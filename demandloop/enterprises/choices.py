"""Choices of the enterprise ledger."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseKindChoices(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual business")
    COOPERATIVE = "cooperative", _("Farmers' cooperative")


class EnterpriseStatusChoices(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEREGISTERED = "deregistered", _("Deregistered")
