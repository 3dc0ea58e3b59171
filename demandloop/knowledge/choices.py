"""Choices of the quality module: the states of a typical case and of a year's selection, and what happens to
them (静海 §三(二)(三), 南开 区政务服务办 "典型经验推广")."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("typical case", "Submitted for review")
    RETURNED = "returned", pgettext_lazy("typical case", "Returned for revision")
    ACCEPTED = "accepted", pgettext_lazy("typical case", "Accepted")

    @property
    def colour(self) -> str:
        return {"submitted": "primary", "returned": "warning", "accepted": "success"}[self.value]


class CaseActionChoices(models.TextChoices):
    NOMINATE = "nominate", _("Nominate")
    EDIT = "edit", pgettext_lazy("typical case", "Edit")
    RESUBMIT = "resubmit", _("Resubmit")
    RETURN = "return", pgettext_lazy("typical case", "Return for revision")
    ACCEPT = "accept", pgettext_lazy("typical case", "Accept into the library")


class SelectionStatusChoices(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("selection", "Draft")
    PUBLISHED = "published", pgettext_lazy("selection", "Published")


class SelectionActionChoices(models.TextChoices):
    SET = "set", _("Set the selection")
    PUBLISH = "publish", pgettext_lazy("selection", "Publish")
    UNPUBLISH = "unpublish", pgettext_lazy("selection", "Unpublish")
