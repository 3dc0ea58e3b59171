"""The hub's page of the outbox (failed and waiting deliveries of its district, each with a retry), and every
person's in-app inbox."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from demandloop.integrations.actions import (
    NotRetryable,
    do_mark_all_read,
    do_mark_read,
    do_retry_delivery,
    do_set_preference,
)
from demandloop.integrations.choices import (
    DEFAULT_CHANNELS,
    ChannelChoices,
    DeliveryStatusChoices,
    TopicChoices,
    topics_for,
)
from demandloop.integrations.models import NotificationPreference
from demandloop.integrations.notify.transports import sms_configured
from demandloop.integrations.queries import inbox_for, outbox_for
from demandloop.org.choices import RoleChoices as R
from demandloop.org.scope import resolve_scope
from demandloop.web.access import role_page
from demandloop.web.queries import ListPage


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


# --- The in-app inbox (站内消息) ---------------------------------------------------------------------------------
#
# Every signed-in person's own messages: what the platform told them (a whistle, a supervision, a campaign, an
# issued monthly report …). Opening one reads it and follows its link into the platform.

INBOX_PAGE = 50


@login_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    """The person's messages, newest first, a page at a time; only the unread ones, or one topic, on request."""
    inbox = inbox_for(request.user)
    unread_only = request.GET.get("unread") == "1"
    topic = request.GET.get("topic", "")
    if topic not in TopicChoices.values:
        topic = ""
    shown = inbox.filter(read_at__isnull=True) if unread_only else inbox
    if topic:
        shown = shown.filter(topic=topic)
    query = urlencode([(k, v) for k, v in (("unread", "1" if unread_only else ""), ("topic", topic)) if v])
    # The topics this person has messages of, for the filter: a hub and a department see different ones.
    present = set(inbox.order_by().values_list("topic", flat=True).distinct())
    context = {
        "page": ListPage.of(shown.order_by("-created_at", "-pk"), request.GET.get("page"), INBOX_PAGE),
        "unread": inbox.filter(read_at__isnull=True).count(),
        "unread_only": unread_only,
        "topic": topic,
        "topics": [choice for choice in TopicChoices if choice.value in present or choice.value == topic],
        "query": query,
    }
    return render(request, "integrations/message_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def message_settings(request: HttpRequest) -> HttpResponse:
    """Which channels besides the inbox each topic reaches the person by (the inbox always: nothing is missed)."""
    user = request.user
    # An enterprise account hears only of its demands, a security administrator of locked accounts, staff of
    # everything else.
    topics = topics_for(resolve_scope(user).roles)
    if request.method == "POST":
        chosen = {
            topic.value: {
                channel
                for channel in (ChannelChoices.EMAIL, ChannelChoices.SMS)
                if f"{topic.value}:{channel}" in request.POST
            }
            for topic in topics
        }
        with transaction.atomic():
            for topic, channels in chosen.items():
                do_set_preference(user, topic, {ChannelChoices.IN_APP, *channels})
        messages.success(request, _("Notification settings saved."))
        return redirect("message_settings")
    stored = {row.topic: row.channels() for row in NotificationPreference.objects.filter(user=user)}
    rows = [
        {"topic": choice, "channels": stored.get(choice.value, DEFAULT_CHANNELS[choice.value])}
        for choice in topics
    ]
    context = {
        "rows": rows,
        "email": user.email,
        "phone": user.phone,
        "sms_configured": sms_configured(),
        "channels": ChannelChoices,
    }
    return render(request, "integrations/message_settings.html", context)


@login_required
@require_POST
def message_read_all(request: HttpRequest) -> HttpResponse:
    marked = do_mark_all_read(request.user)
    if marked:
        messages.success(
            request,
            ngettext("%(n)d message marked read.", "%(n)d messages marked read.", marked) % {"n": marked},
        )
    return redirect("message_list")


@login_required
@require_GET
def message_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the message and go where it points; another person's message is 404, the same as a missing one."""
    note = inbox_for(request.user).filter(pk=pk).first()
    if note is None:
        raise Http404
    do_mark_read(request.user, note)
    # Only a path of the platform itself: a message never sends its reader to another site.
    if note.link.startswith("/") and not note.link.startswith("//"):
        return redirect(note.link)
    return redirect("message_list")


@login_required
@require_GET
def message_unread(request: HttpRequest) -> HttpResponse:
    """The navigation's count of unread messages, loaded by the page on its own (no query on every page)."""
    count = inbox_for(request.user).filter(read_at__isnull=True).count()
    return render(request, "integrations/_unread.html", {"count": count})
