"""The working-day calendar in the database (DESIGN.md §5).

Three sources make the calendar that `services.get_calendar` hands to the pure arithmetic in
`calendar.py`: the official days seeded from the `chinesecalendar` package, the administrator's per-date
overrides (which win), and the list of years whose arrangement is published (any other year falls back to
Monday–Friday and its deadlines are provisional). Writes go through `actions.py`, which also bumps
`CalendarRevision` so that every process notices the change.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DayKindChoices(models.TextChoices):
    OFF = "off", _("day off")
    WORK = "work", _("working day")


class PublishedYearSourceChoices(models.TextChoices):
    PACKAGE = "chinesecalendar", _("chinesecalendar package")
    IMPORT = "import", _("imported by an administrator")
    MANUAL = "manual", _("entered by an administrator")


class OverrideSourceChoices(models.TextChoices):
    MANUAL = "manual", _("entered by an administrator")
    IMPORT = "import", _("imported from a file")


class OfficialDay(models.Model):
    """A date of the State Council's holiday arrangement as shipped by the chinesecalendar package.

    Only dates that differ from the plain week are stored: days off (a holiday's weekend days included) and
    weekend days worked in lieu (调休上班). The table mirrors the installed package; `seed_official_calendar`
    keeps it so, and nobody edits it by hand — corrections are `CalendarOverride` rows.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKindChoices.choices)
    holiday = models.CharField(_("holiday"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=64)

    class Meta:
        verbose_name = _("official day")
        verbose_name_plural = _("official days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"


class CalendarOverride(models.Model):
    """An administrator's entry or correction for one date; it wins over the official day of that date.

    Used to enter a year the package does not know yet, or to correct one (a local arrangement, a late change
    to the State Council's notice). Every change is kept in the history table with who and when.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKindChoices.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=OverrideSourceChoices.choices,
        default=OverrideSourceChoices.MANUAL,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("historical calendar override"))

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"


class PublishedYear(models.Model):
    """A year whose holiday arrangement is published, so its deadlines are final rather than provisional.

    The package's years are recorded by the seed; a year an administrator imports counts as published too, and
    then `replaces_official` says the imported entries are the whole arrangement (the package's days of that
    year are ignored).
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(1949), MaxValueValidator(2999)]
    )
    source = models.CharField(_("source"), max_length=16, choices=PublishedYearSourceChoices.choices)
    replaces_official = models.BooleanField(
        _("replaces the official days"),
        default=False,
        help_text=_(
            "The administrator's entries for this year are the whole arrangement; "
            "the package's days of this year are ignored."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("historical published year"))

    class Meta:
        verbose_name = _("published year")
        verbose_name_plural = _("published years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarRevision(models.Model):
    """One row whose token changes with every write to the calendar.

    Processes cache the built calendar and compare this token every few seconds (one indexed single-row read)
    to pick up another process's change. A random token rather than a counter: after a rolled-back transaction
    a counter could come back to a value a process has already cached with different data.
    """

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("calendar revision")
        verbose_name_plural = _("calendar revisions")

    def __str__(self) -> str:
        return self.token
