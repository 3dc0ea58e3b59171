"""How the platform's documents write a date (the meeting record, the handbook, the monthly report)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _


def document_date(moment: date | datetime) -> str:
    """ "2026年11月30日" in the district's language; a datetime is read where the district is."""
    day = timezone.localtime(moment) if isinstance(moment, datetime) else moment
    return _("%(y)d-%(m)d-%(d)d") % {"y": day.year, "m": day.month, "d": day.day}
