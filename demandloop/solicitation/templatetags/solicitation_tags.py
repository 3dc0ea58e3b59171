"""Where solicitation shows on other apps' pages.

* `{% solicitation_waiting %}`: the campaigns waiting for the user's units, on the workbench and the inbox;
* `{% solicitation_source demand %}`: on a demand that came from a campaign, which campaign, unit and problem.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("solicitation/_waiting_hint.html", takes_context=True)
def solicitation_waiting(context: dict[str, Any]) -> dict[str, Any]:
    from demandloop.solicitation.queries import waiting_targets
    from demandloop.solicitation.views import deadline_of

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"waiting": [(t, deadline_of(t.campaign)) for t in waiting_targets(user)]}


@register.inclusion_tag("solicitation/_source.html", takes_context=True)
def solicitation_source(context: dict[str, Any], demand: Any) -> dict[str, Any]:
    """The campaign a solicitation demand came from; linked for those who may open the campaign."""
    from demandloop.solicitation.models import Campaign, ReplyProblem

    if getattr(demand, "channel", "") != "solicitation":
        return {"problem": None}
    problem = (
        ReplyProblem.objects.filter(demand=demand)
        .select_related("reply__target__campaign", "reply__target__locality", "reply__target__department")
        .first()
    )
    if problem is None:
        return {"problem": None}
    campaign = problem.reply.target.campaign
    request = context.get("request")
    linked = Campaign.objects.for_user(getattr(request, "user", None)).filter(pk=campaign.pk).exists()
    return {"problem": problem, "campaign": campaign, "unit": problem.reply.target.unit, "linked": linked}
