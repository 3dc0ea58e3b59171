"""The hub's page of the outbox: failed and waiting deliveries of its district, each with a retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandloop.integrations.actions import NotRetryable, do_retry_delivery
from demandloop.integrations.choices import DeliveryStatusChoices
from demandloop.integrations.queries import outbox_for
from demandloop.org.choices import RoleChoices as R
from demandloop.web.access import role_page


@role_page(R.HUB)
def delivery_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DeliveryStatusChoices.FAILED)
    if status not in DeliveryStatusChoices.values:
        status = DeliveryStatusChoices.FAILED
    messages_ = outbox_for(request.user).filter(status=status).select_related("endpoint", "user")
    counts = {s: outbox_for(request.user).filter(status=s).count() for s in DeliveryStatusChoices.values}
    return render(
        request,
        "integrations/delivery_list.html",
        {
            "messages_": messages_.order_by("-created_at", "-pk")[:200],
            "status": status,
            "statuses": [(choice, counts[choice.value]) for choice in DeliveryStatusChoices],
        },
    )


@role_page(R.HUB)
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = outbox_for(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    try:
        do_retry_delivery(request.user, message)
    except NotRetryable:
        messages.error(request, _("This message was delivered or is being sent; it cannot be retried."))
    else:
        messages.success(request, _("The message is back in line; it keeps its idempotency key."))
    return redirect(f"{reverse('delivery_list')}?status={DeliveryStatusChoices.FAILED}")
