"""The 高频事项应答手册: questions enterprises often ask, the answer, the department that answers and its contacts.

静海 §四(一): 区政务服务办编制《为企服务高频事项应答手册》，动态更新常见问题解答及部门联系人信息，手册在
"惠企政策"模块展示. Every change of an entry raises its version and is kept in its history.

Also the quality module's typical cases (典型案例) and the annual 十佳服务案例 selection (DESIGN.md §6 Quality).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from demandloop.knowledge.choices import (
    CaseActionChoices,
    CaseStatusChoices,
    SelectionActionChoices,
    SelectionStatusChoices,
)


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
    keywords = models.JSONField(pgettext_lazy("handbook", "keywords"), default=list, blank=True)
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


# --- Quality: typical cases and the annual selection -------------------------------------------------------


class TypicalCaseQuerySet(models.QuerySet["TypicalCase"]):
    def for_user(self, user: Any) -> TypicalCaseQuerySet:
        """The cases `user` may read; see `demandloop.knowledge.cases.scope_cases`."""
        from demandloop.knowledge.cases import scope_cases

        return scope_cases(self, user)


class TypicalCase(models.Model):
    """A demand well handled, written up as a case (典型案例) for others to learn from.

    静海 §三(二): 为企服务人员做好服务企业典型案例的收集; §三(三): 区政务服务办将每年评选"十佳服务案例". The
    author nominates it from a finished demand, the district's service office accepts it into the library or
    returns it for revision; every change is a `TypicalCaseEvent`. Its texts are written only through
    `demandloop.knowledge.actions`.
    """

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="typical_cases"
    )
    # One demand, one case: a second nomination would split the story and double its vote in the selection.
    demand = models.OneToOneField(
        "demands.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="typical_case"
    )
    # The year the demand was resolved (the year whose 十佳 it can join), fixed when it is nominated.
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    background = models.TextField(_("background"))
    approach = models.TextField(_("what was done"))
    outcome = models.TextField(pgettext_lazy("typical case", "outcome"))
    lessons = models.TextField(_("lessons"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Published as 某企业: the texts are cleared of the enterprise's name when saved, and pages name no one.
    anonymous = models.BooleanField(_("anonymise the enterprise"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatusChoices.choices, default=CaseStatusChoices.SUBMITTED
    )
    # Bumped by every change: the actions claim (pk, version) so two reviewers cannot both decide.
    version = models.PositiveIntegerField(_("version"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_role = models.CharField(_("role"), max_length=24)
    return_reason = models.TextField(_("reason for return"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TypicalCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-year", "-created_at", "-pk"]
        indexes = [
            # The review queue and the library: a district's cases of a year by state.
            models.Index(fields=["district", "year", "status"], name="typicalcase_district_year_idx"),
            models.Index(fields=["author", "status"], name="typicalcase_author_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_status_display_colour(self) -> str:
        return CaseStatusChoices(self.status).colour


class TypicalCaseEvent(models.Model):
    """One change of a typical case: who, in which role, when, what, from → to, and the note (the reason of a
    return). Append-only, like a demand's events."""

    case = models.ForeignKey(TypicalCase, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=CaseActionChoices.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=CaseStatusChoices.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CaseStatusChoices.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("typical case event")
        verbose_name_plural = _("typical case events")
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"


class CaseSelection(models.Model):
    """A district's 十佳服务案例 of a year: up to ten accepted cases of that year, in order. Published, it is
    frozen (shown to the district's enterprises, printed in the 汇编) until the hub unpublishes it with a reason."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="case_selections"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SelectionStatusChoices.choices,
        default=SelectionStatusChoices.DRAFT,
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annual case selection")
        verbose_name_plural = _("annual case selections")
        ordering = ["district", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="caseselection_district_year_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"

    @property
    def is_published(self) -> bool:
        return self.status == SelectionStatusChoices.PUBLISHED


class CaseSelectionEntry(models.Model):
    """One case of a selection at its place (1 = first)."""

    selection = models.ForeignKey(CaseSelection, on_delete=models.CASCADE, related_name="entries")
    case = models.ForeignKey(
        TypicalCase,
        verbose_name=_("typical case"),
        on_delete=models.PROTECT,
        related_name="selection_entries",
    )
    rank = models.PositiveSmallIntegerField(pgettext_lazy("selection", "place"))

    class Meta:
        verbose_name = _("selected case")
        verbose_name_plural = _("selected cases")
        ordering = ["selection", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "rank"], name="caseselectionentry_rank_uniq"),
            models.UniqueConstraint(fields=["selection", "case"], name="caseselectionentry_case_uniq"),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1, rank__lte=10), name="caseselectionentry_rank_1_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id} #{self.rank} {self.case_id}"


class CaseSelectionEvent(models.Model):
    """One change of a selection: set (with the cases in order), published, unpublished (with the reason)."""

    selection = models.ForeignKey(CaseSelection, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=SelectionActionChoices.choices)
    note = models.TextField(_("note"), blank=True)
    # The case ids in order after the change.
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("selection event")
        verbose_name_plural = _("selection events")
        ordering = ["selection", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.selection_id} {self.action}"


class TypicalProblem(models.Model):
    """A common or difficult problem (典型问题) the hub records from a cluster of similar demands, for the working
    group's topic meeting (南开: 根据区政务服务办汇总的经营主体典型问题，召开专题会议进行会商，提出解决方案).

    Once put on a topic meeting's agenda it points at that agenda item; the meeting's minutes and decisions are
    the meetings app's."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="typical_problems"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    demands = models.ManyToManyField(
        "demands.Demand", verbose_name=_("demands"), related_name="typical_problems", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    agenda_item = models.ForeignKey(
        "meetings.MeetingAgendaItem",
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("typical problem")
        verbose_name_plural = _("typical problems")
        ordering = ["district", "-recorded_at", "-pk"]

    def __str__(self) -> str:
        return self.title
