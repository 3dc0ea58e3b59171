"""Choices of the enterprise ledger."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseKindChoices(models.TextChoices):
    COMPANY = "company", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")


class EnterpriseStatusChoices(models.TextChoices):
    ACTIVE = "active", _("存续")
    DEREGISTERED = "deregistered", _("注销")
