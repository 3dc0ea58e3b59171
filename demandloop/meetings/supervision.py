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
        subjects: dict[str, str] = {
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
    notify_users(people, note, cause=cause, district=demand.district, at=record.at)
    if demand.lead_department_id:
        notify_department(demand.lead_department, note, cause=cause)
    return len(set(people))


def notify_late_report_ins(now: datetime | None = None, limit: int = 1000) -> int:
    """Tell each summoned department's lead, and whoever blew the whistle, once, that its report-in is late.

    The periodic task next to the supervision sweep; reads only unreported, un-notified report-ins (partial index).
    """
    from django.db import transaction

    from demandloop.meetings.models import WhistleResponse
    from demandloop.meetings.recipients import department_leads

    now = now or timezone.now()
    late = (
        WhistleResponse.objects.awaited()
        .filter(overdue_notified_at__isnull=True, whistle__report_due__lt=now)
        .select_related("whistle__demand", "whistle__district", "whistle__blown_by", "department")
        .order_by("whistle__report_due", "pk")[:limit]
    )
    told = 0
    for response in late:
        with transaction.atomic():
            claimed = WhistleResponse.objects.filter(
                pk=response.pk, reported_at__isnull=True, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now)
            if claimed != 1:
                continue
            whistle = response.whistle
            with translation.override(settings.LANGUAGE_CODE):
                note = Note(
                    topic=TopicChoices.WHISTLE,
                    subject=_("%(department)s has not reported in (due %(due)s)")
                    % {
                        "department": response.department.name,
                        "due": timezone.localtime(whistle.report_due).strftime("%Y-%m-%d %H:%M"),
                    },
                    body=_("Demand #%(pk)s “%(title)s”: %(reason)s")
                    % {"pk": whistle.demand_id, "title": whistle.demand.title, "reason": whistle.reason},
                    link=f"/demands/{whistle.demand_id}/",
                )
            cause = f"meetings.whistle_late:{response.pk}"
            notify_users(
                [*department_leads([response.department]), whistle.blown_by],
                note,
                cause=cause,
                district=whistle.district,
                at=now,
            )
            notify_department(response.department, note, cause=cause)
            told += 1
    return told
