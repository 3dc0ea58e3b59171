"""Administration of the notifications: robots are configured here; the outbox can be inspected and retried."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandloop.integrations.actions import NotRetryable, do_retry_delivery
from demandloop.integrations.models import OutboxMessage, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "district", "department", "is_active"]
    list_filter = ["district", "kind", "is_active"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "created_at",
        "channel",
        "topic",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "channel", "topic", "district"]
    search_fields = ["key", "recipient", "subject", "cause"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Send the selected messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        retried = 0
        for message in queryset:
            try:
                do_retry_delivery(request.user, message)
                retried += 1
            except NotRetryable:
                continue
        self.message_user(request, _("%(n)d messages put back in line.") % {"n": retried}, messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
