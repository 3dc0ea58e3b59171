"""The city desk and the district hear of each other (a city-wide deployment, DESIGN.md §1).

Inside a city-wide deployment a tier-4 transfer goes to the platform's own city desk (市级专席) instead of the
city platform's integration: the desk is told of the new matter, and the district's service office (区政务服务办)
of what the desk did with it — accepted (受理), progress, answered (办结), returned (退回). Written in the
action's transaction, like every notification.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_users
from demandloop.org.choices import RoleChoices

# What the desk does that the district's hub hears of.
DESK_ACTIONS = frozenset({A.CITY_PROGRESS, A.RESOLVE, A.CITY_RETURN})


def _subject(demand: Any, event: Any) -> str:
    pk, title = demand.pk, demand.title
    if event.action == A.TRANSFER:
        return _("Demand #%(pk)s transferred to the city by %(district)s: %(title)s") % {
            "pk": pk,
            "district": demand.district.name,
            "title": title,
        }
    if event.action == A.RESOLVE:
        return _("The city desk answered demand #%(pk)s: %(title)s") % {"pk": pk, "title": title}
    if event.action == A.CITY_RETURN:
        return _("The city desk returned demand #%(pk)s: %(title)s") % {"pk": pk, "title": title}
    return _("The city desk reported progress on demand #%(pk)s: %(title)s") % {"pk": pk, "title": title}


def on_demand_changed(sender: Any, demand: Any, event: Any, **kwargs: Any) -> None:
    """`demand_changed` receiver: a transfer to the desk tells the desk; the desk's steps tell the hub."""
    from demandloop.meetings.recipients import city_desk, district_hub

    if event.action == A.TRANSFER and event.data.get("city_desk"):
        people = city_desk(demand.district_id)
        # What the hub wrote with the transfer, else what the enterprise asked.
        body = event.note or Truncator(demand.content).chars(500)
    elif event.action in DESK_ACTIONS and event.actor_role == RoleChoices.CITY:
        people = district_hub(demand.district_id)
        body = demand.result if event.action == A.RESOLVE else event.note
    else:
        return
    people = [user for user in people if user.pk != event.actor_id]
    if not people:
        return
    with translation.override(settings.LANGUAGE_CODE):
        note = Note(
            topic=TopicChoices.CITY_DESK,
            subject=_subject(demand, event),
            body=body,
            link=f"/demands/{demand.pk}/",
        )
    notify_users(people, note, cause=f"city_desk:{event.pk}", district=demand.district, at=event.at)
