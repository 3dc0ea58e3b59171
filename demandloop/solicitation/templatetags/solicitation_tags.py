"""`{% solicitation_waiting %}`: the campaigns waiting for the user's units, on the workbench and the inbox."""

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
