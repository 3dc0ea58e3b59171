"""The 高频事项应答手册: questions enterprises often ask, the answer, the department that answers and its contacts.

静海 §四(一): 区政务服务办编制《为企服务高频事项应答手册》，动态更新常见问题解答及部门联系人信息，手册在
"惠企政策"模块展示. Every change of an entry raises its version and is kept in its history.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FaqEntryQuerySet(models.QuerySet["FaqEntry"]):
    def published(self) -> FaqEntryQuerySet:
        return self.filter(is_published=True)


class FaqEntry(models.Model):
    """One question of a district's handbook, with its answer and who to contact."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="faq_entries"
    )
    # Stable key within the district: the handbook file and later editions refer to the entry by it.
    code = models.SlugField(_("code"), max_length=64)
    question = models.CharField(_("question"), max_length=255)
    answer = models.TextField(_("answer"))
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faq_entries",
    )
    contacts = models.TextField(_("contacts"), blank=True)
    # Words a clerk or an enterprise would use for this matter; they count in the ranking like the question.
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_published = models.BooleanField(_("published"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = FaqEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["district", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="faqentry_district_code_uniq")
        ]

    def __str__(self) -> str:
        return self.question
