"""REST API of the notifications: `/api/v1/notifications/` (own inbox), `/api/v1/notification-preferences/`,
and `/api/v1/deliveries/` — the hub's view of the outbox, where failed deliveries are listed and retried."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.integrations.actions import (
    NotRetryable,
    do_mark_all_read,
    do_mark_read,
    do_retry_delivery,
    do_set_preference,
)
from demandloop.integrations.choices import DEFAULT_CHANNELS, PERSONAL_CHANNELS, TopicChoices
from demandloop.integrations.models import Notification, NotificationPreference, OutboxMessage
from demandloop.integrations.queries import inbox_for, outbox_for


class NotificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Notification
        fields = ["id", "topic", "subject", "body", "link", "created_at", "read_at"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The signed-in user's in-app inbox."""

    serializer_class = NotificationSerializer
    filterset_fields = ["topic"]

    def get_queryset(self) -> QuerySet[Notification]:
        queryset = inbox_for(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, summary=gettext_lazy("Mark one message as read"))
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = do_mark_read(request.user, self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, summary=gettext_lazy("Mark every message as read"))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": do_mark_all_read(request.user)})


class NotificationPreferenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    topic = serializers.ChoiceField(
        choices=TopicChoices.choices, label=pgettext_lazy("notification", "topic")
    )
    channels = serializers.MultipleChoiceField(
        choices=[(c.value, c.label) for c in PERSONAL_CHANNELS], label=gettext_lazy("channels")
    )


class NotificationPreferenceViewSet(viewsets.ViewSet):
    """The channels the signed-in user wants per topic (the defaults where nothing is stored)."""

    serializer_class = NotificationPreferenceSerializer

    def list(self, request: Request) -> Response:
        stored = {
            row.topic: row.channels() for row in NotificationPreference.objects.filter(user=request.user)
        }
        return Response(
            [
                {"topic": topic, "channels": sorted(stored.get(topic, DEFAULT_CHANNELS[topic]))}
                for topic in TopicChoices.values
            ]
        )

    def create(self, request: Request) -> Response:
        serializer = NotificationPreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = do_set_preference(
            request.user, serializer.validated_data["topic"], set(serializer.validated_data["channels"])
        )
        return Response(
            {"topic": preference.topic, "channels": sorted(preference.channels())}, status=status.HTTP_200_OK
        )


class OutboxMessageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    # The robot's address carries its token: the hub sees the robot's name only.
    endpoint = serializers.StringRelatedField()

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "key",
            "channel",
            "topic",
            "recipient",
            "endpoint",
            "subject",
            "cause",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "delivered_at",
        ]


class OutboxMessageFilterSet(filters.FilterSet):
    class Meta:
        model = OutboxMessage
        fields = ["status", "channel", "topic"]


class OutboxMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The outbox of the hub's district: what was sent, what is waiting, what failed — and a retry."""

    serializer_class = OutboxMessageSerializer
    filterset_class = OutboxMessageFilterSet

    def get_queryset(self) -> QuerySet[OutboxMessage]:
        return outbox_for(self.request.user).select_related("endpoint").order_by("-created_at", "-pk")

    @extend_schema(request=None, summary=gettext_lazy("Send a failed message again, with the same key"))
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        message = self.get_object()
        try:
            message = do_retry_delivery(request.user, message)
        except NotRetryable:
            return Response(
                {"detail": _("This message was delivered or is being sent; it cannot be retried.")},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(message).data)
