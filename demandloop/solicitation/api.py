"""REST API of solicitation campaigns: `/api/v1/solicitations/`.

    GET  solicitations/                 campaigns in scope (the hub's district; a unit's launched campaigns)
    POST solicitations/                 the hub creates one (and may launch it at once)
    GET  solicitations/{id}/            the campaign with every unit (hub) or the caller's own unit(s)
    DELETE solicitations/{id}/          the hub deletes a draft (never launched); a launched one is refused (409)
    POST solicitations/{id}/launch/ | close/ | remind/          the hub
    POST solicitations/{id}/accept/ | return/                   the hub, for one unit's submitted reply
    POST solicitations/{id}/reply/      a unit saves its draft (problems) and/or submits it
    GET  solicitations/{id}/export/     the hub's Excel workbook

Reads are scoped (`Campaign.objects.for_user`; outside is 404); writes go through `solicitation.actions`, whose
refusals keep their meaning (400 names the field, 403 the missing role, 409 the state).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.demands.errors import ActionForbidden
from demandloop.lib.downloads import as_download
from demandloop.org.models import Department, District, Domain, Locality
from demandloop.solicitation import actions
from demandloop.solicitation.export import campaign_file
from demandloop.solicitation.imports import UnknownValue, find_area, find_enterprise
from demandloop.solicitation.models import Campaign, CampaignTarget, Reply, ReplyProblem
from demandloop.solicitation.queries import get_campaign_for_user, is_hub_of, units_of, visible_targets
from demandloop.solicitation.serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    ReminderSerializer,
    ReplySerializer,
    ReturnSerializer,
    TargetChoiceSerializer,
)


def with_problems(targets: list[CampaignTarget]) -> list[CampaignTarget]:
    """The targets with their replies' problems loaded in order, in one query per relation (no N+1)."""
    problems = ReplyProblem.objects.select_related("enterprise", "area", "demand").order_by("order", "pk")
    prefetch_related_objects(targets, Prefetch("reply__problems", queryset=problems))
    return targets


def _by_codes(model: Any, district: District, codes: list[str], field: str) -> list[Any]:
    found = {obj.code: obj for obj in model.objects.filter(district=district, code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise serializers.ValidationError(
            {field: [_("Unknown codes: %(codes)s") % {"codes": "、".join(missing)}]}
        )
    return [found[code] for code in codes]


class CampaignViewSet(  # type: ignore[type-arg]
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Solicitation campaigns (定期征询): the hub asks its localities and departments; they reply; accepted problems
    become demands (channel solicitation)."""

    serializer_class = CampaignSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return (
            Campaign.objects.for_user(self.request.user)
            .select_related("district", "domain")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "targets": getattr(self, "_targets", {})}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        campaigns = list(page if page is not None else self.filter_queryset(self.get_queryset()))
        self._targets = {c.pk: with_problems(visible_targets(request.user, c)) for c in campaigns}
        data = self.get_serializer(campaigns, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_object(self) -> Campaign:
        campaign = get_campaign_for_user(self.request.user, self.kwargs.get("pk"))
        self._targets = {campaign.pk: with_problems(visible_targets(self.request.user, campaign))}
        return campaign

    def _hub_campaign(self) -> Campaign:
        campaign = self.get_object()
        if not is_hub_of(self.request.user, campaign):
            raise ActionForbidden(_("Only the district's government service office does this."))
        return campaign

    def _answer(self, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
        campaign = self.get_object() if campaign.pk is None else campaign
        self._targets = {campaign.pk: with_problems(visible_targets(self.request.user, campaign))}
        campaign.refresh_from_db()
        return Response(self.get_serializer(campaign).data, status=code)

    @extend_schema(
        request=CampaignCreateSerializer,
        responses={201: CampaignSerializer},
        summary=gettext_lazy("Create a solicitation campaign (the hub)"),
    )
    def create(self, request: Request) -> Response:
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        hubs = District.objects.filter(pk__in=units_of(request.user).hub_district_ids).order_by("code")
        district = hubs.filter(code=values["district"]).first() if values.get("district") else hubs.first()
        if district is None:
            raise Http404
        domain = None
        if values.get("domain"):
            domain = _by_codes(Domain, district, [values["domain"]], "domain")[0]
        localities = (
            actions.all_localities(district)
            if values["all_localities"]
            else _by_codes(Locality, district, values["localities"], "localities")
        )
        departments = (
            actions.all_departments(district)
            if values["all_departments"]
            else _by_codes(Department, district, values["departments"], "departments")
        )
        # Created and launched together, or not at all: a refused launch leaves no draft behind.
        with transaction.atomic():
            campaign = actions.do_create_campaign(
                district,
                request.user,
                actions.CampaignInput(
                    title=values["title"],
                    instructions=values["instructions"],
                    domain=domain,
                    localities=localities,
                    departments=departments,
                    reply_days=values.get("reply_days"),
                    reply_by=values.get("reply_by"),
                ),
            )
            if values["launch"]:
                actions.do_launch_campaign(campaign, request.user)
        return self._answer(campaign, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: OpenApiResponse(description=gettext_lazy("not the district's service office")),
            404: OpenApiResponse(description=gettext_lazy("no such campaign in your scope")),
            409: OpenApiResponse(description=gettext_lazy("the campaign was launched: close it instead")),
        },
        summary=gettext_lazy("Delete a draft campaign that was never launched (the hub)"),
    )
    def destroy(self, request: Request, pk: Any = None) -> Response:
        # Scoped first (404 outside it); the action refuses whoever is not the hub (403) and a launched
        # campaign (409), and audits the refusal as it audits the deletion.
        campaign = get_campaign_for_user(request.user, pk)
        actions.do_delete_campaign(campaign, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None, responses={200: CampaignSerializer}, summary=gettext_lazy("Launch the campaign")
    )
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: Any = None) -> Response:
        campaign = self._hub_campaign()
        actions.do_launch_campaign(campaign, request.user)
        return self._answer(campaign)

    @extend_schema(
        request=None, responses={200: CampaignSerializer}, summary=gettext_lazy("Close the campaign")
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        campaign = self._hub_campaign()
        actions.do_close_campaign(campaign, request.user)
        return self._answer(campaign)

    @extend_schema(
        request=None,
        responses={201: ReminderSerializer},
        summary=gettext_lazy("Remind the units that have not replied"),
    )
    @action(detail=True, methods=["post"])
    def remind(self, request: Request, pk: Any = None) -> Response:
        campaign = self._hub_campaign()
        reminder = actions.do_remind(campaign, request.user)
        data = {
            "id": reminder.pk,
            "sent_at": reminder.sent_at,
            "units": [str(t.unit) for t in reminder.targets.select_related("locality", "department")],
            "recipients": reminder.recipients,
        }
        return Response(ReminderSerializer(data).data, status=status.HTTP_201_CREATED)

    def _submitted_reply(self, campaign: Campaign, target_id: int) -> Reply:
        reply = (
            Reply.objects.filter(target__campaign=campaign, target_id=target_id)
            .select_related("target")
            .first()
        )
        if reply is None:
            raise serializers.ValidationError({"target": [_("This unit has not replied.")]})
        return reply

    @extend_schema(
        request=TargetChoiceSerializer,
        responses={200: CampaignSerializer},
        summary=gettext_lazy("Accept a unit's reply: its problems become demands"),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        campaign = self._hub_campaign()
        data = TargetChoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_accept_reply(self._submitted_reply(campaign, data.validated_data["target"]), request.user)
        return self._answer(campaign)

    @extend_schema(
        request=ReturnSerializer,
        responses={200: CampaignSerializer},
        summary=gettext_lazy("Return a unit's reply for correction"),
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_reply(self, request: Request, pk: Any = None) -> Response:
        campaign = self._hub_campaign()
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = self._submitted_reply(campaign, data.validated_data["target"])
        actions.do_return_reply(reply, request.user, reason=data.validated_data["reason"])
        return self._answer(campaign)

    def _own_target(self, campaign: Campaign, target_id: int | None) -> CampaignTarget:
        targets = [
            t for t in visible_targets(self.request.user, campaign) if units_of(self.request.user).answers(t)
        ]
        if target_id is not None:
            targets = [t for t in targets if t.pk == target_id]
        if not targets:
            raise serializers.ValidationError({"target": [_("You do not answer for this unit.")]})
        if len(targets) > 1:
            raise serializers.ValidationError({"target": [_("Say which of your units replies.")]})
        targets[0].campaign = campaign
        return targets[0]

    @extend_schema(
        request=ReplySerializer,
        responses={200: CampaignSerializer},
        summary=gettext_lazy("Save your unit's reply (its problems) and, if asked, submit it"),
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: Any = None) -> Response:
        campaign = self.get_object()
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target = self._own_target(campaign, values.get("target"))
        problems = []
        for i, item in enumerate(values["problems"]):
            try:
                enterprise = find_enterprise(campaign.district_id, item.get("enterprise", ""))
            except UnknownValue as error:
                raise serializers.ValidationError({f"problems[{i}].enterprise": [str(error)]}) from error
            area = None
            if item.get("area"):
                try:
                    area = find_area(target, item["area"])
                except UnknownValue as error:
                    raise serializers.ValidationError({f"problems[{i}].area": [str(error)]}) from error
            problems.append(
                actions.ProblemInput(
                    content=item["content"], complexity=item["complexity"], enterprise=enterprise, area=area
                )
            )
        # The body is the whole reply: the draft's problems become exactly these; a refused submission keeps
        # the draft as it was.
        with transaction.atomic():
            actions.do_replace_problems(target, request.user, problems, note=values["note"])
            if values["submit"] or values["no_problems"]:
                actions.do_submit_reply(target, request.user, no_problems=values["no_problems"])
        return self._answer(campaign)

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("the campaign as an Excel workbook")
            )
        },
        summary=gettext_lazy("The campaign as an Excel workbook (the hub)"),
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: Any = None) -> HttpResponse:
        return as_download(campaign_file(self._hub_campaign()))
