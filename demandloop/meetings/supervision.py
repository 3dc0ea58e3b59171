"""What the supervision sweep (`demandloop.sla.sweep`) says, and to whom: the texts of reminders, 督办 and
overdue notices, written to the inbox and the outbox in the sweep's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_department, notify_users
from demandloop.meetings.models import Supervision


def escalation_note(due: datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Escalated by the supervision sweep: the deadline %(due)s has passed.") % {
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        }


def tell(record: Supervision, demand: Any, people: list[Any], topic: str) -> int:
    """Notify `people` (and the lead department's robots) of one supervision step; the number of people."""
    due_label = timezone.localtime(record.due).strftime("%Y-%m-%d %H:%M")
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            TopicChoices.REMINDER: _("Reminder: demand #%(pk)s is due %(due)s"),
            TopicChoices.SUPERVISION: _("Supervision: demand #%(pk)s passed its deadline %(due)s"),
            TopicChoices.OVERDUE: _("Overdue: demand #%(pk)s, deadline %(due)s"),
        }
        note = Note(
            topic=topic,
            subject=subjects[topic] % {"pk": demand.pk, "due": due_label},
            body=_("“%(title)s” (%(clock)s)") % {"title": demand.title, "clock": record.get_clock_display()},
            link=f"/demands/{demand.pk}/",
        )
    cause = f"sla.supervision:{record.pk}"
    notify_users(people, note, cause=cause, district=demand.district)
    if demand.lead_department_id:
        notify_department(demand.lead_department, note, cause=cause)
    return len(set(people))
