"""The enterprise hears of its demand's progress (DESIGN.md §4: fed back to the enterprise).

The officer still tells the enterprise (告知, the seeds' way); the enterprise's own portal accounts are also told,
in the demand action's transaction, when the demand is refused as out of scope, answered, given a plan, resolved
or passed to the city — each with what it was told, and a link to the demand in the portal.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_users

TOLD = frozenset({S.OUT_OF_SCOPE, S.ANSWERED, S.INFORMED, S.RESOLVED, S.TRANSFERRED})


def _note(demand: Any) -> Note:
    pk, status = demand.pk, demand.status
    if status == S.OUT_OF_SCOPE:
        subject, body = _("Your demand #%(pk)s is outside the service") % {"pk": pk}, demand.redirect_text
    elif status == S.ANSWERED:
        subject, body = _("Your demand #%(pk)s has been answered") % {"pk": pk}, demand.result
    elif status == S.INFORMED:
        subject = _("Your demand #%(pk)s has a plan") % {"pk": pk}
        body = demand.plan
        if demand.completion_due is not None:
            due = timezone.localtime(demand.completion_due).strftime("%Y-%m-%d")
            body = _("%(plan)s (expected done by %(due)s)") % {"plan": demand.plan, "due": due}
    elif status == S.RESOLVED:
        subject, body = _("Your demand #%(pk)s is resolved: please rate it") % {"pk": pk}, demand.result
    else:
        subject, body = _("Your demand #%(pk)s has been passed to the city") % {"pk": pk}, ""
    return Note(
        topic=TopicChoices.DEMAND,
        subject=f"{subject}：{demand.title}",
        body=body,
        link=f"/demands/{pk}/",
    )


def on_demand_changed(sender: Any, demand: Any, event: Any, **kwargs: Any) -> None:
    """`demand_changed` receiver: tell the enterprise's accounts when its demand reaches a status it is told of."""
    if event.to_status == event.from_status or event.to_status not in TOLD:
        return
    from demandloop.meetings.recipients import enterprise_accounts

    people = [user for user in enterprise_accounts(demand.enterprise_id) if user.pk != event.actor_id]
    if not people:
        return
    with translation.override(settings.LANGUAGE_CODE):
        note = _note(demand)
    notify_users(people, note, cause=f"demands.progress:{event.pk}", district=demand.district, at=event.at)
