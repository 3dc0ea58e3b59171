"""API views that belong to no domain: who am I; and the content negotiation of file downloads."""

from __future__ import annotations

from types import SimpleNamespace

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demandloop.org.scope import resolve_scope


class MembershipSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)
    areas = serializers.ListField(child=serializers.CharField())
    title = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    district_ids = serializers.ListField(child=serializers.IntegerField())
    full_district_ids = serializers.ListField(child=serializers.IntegerField())
    area_ids = serializers.ListField(child=serializers.IntegerField())
    locality_ids = serializers.ListField(child=serializers.IntegerField())
    department_ids = serializers.ListField(child=serializers.IntegerField())
    enterprise_ids = serializers.ListField(child=serializers.IntegerField())
    sees_personal_data = serializers.BooleanField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = MembershipSerializer(many=True)
    scope = ScopeSerializer()


class MeView(APIView):
    """Who am I: my roles and my scope."""

    @extend_schema(responses=MeSerializer, summary="当前用户、角色与可见范围")
    def get(self, request: Request) -> Response:
        user = request.user
        scope = resolve_scope(user)
        memberships = (
            user.memberships.filter(is_active=True)
            .select_related("district", "department")
            .prefetch_related("areas")
        )
        roles = [
            {
                "role": m.role,
                "role_label": m.district.role_label(m.role) if m.district else m.get_role_display(),
                "district": m.district.code if m.district else None,
                "department": m.department.code if m.department else None,
                "areas": [a.code for a in m.areas.all()],
                "title": m.title,
            }
            for m in memberships
        ]
        data = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "roles": roles,
            "scope": {
                "district_ids": sorted(scope.district_ids),
                "full_district_ids": sorted(scope.full_district_ids),
                "area_ids": sorted(scope.area_ids),
                "locality_ids": sorted(scope.locality_ids),
                "department_ids": sorted(scope.department_ids),
                "enterprise_ids": sorted(scope.enterprise_ids),
                "sees_personal_data": scope.sees_personal_data,
            },
        }
        return Response(MeSerializer(data).data)


class FileFormatNegotiation(DefaultContentNegotiation):
    """For endpoints whose `?format=` names the file to build (docx, xlsx), not one of DRF's renderers — which
    would answer 404 for "docx": the file is an HttpResponse, and a refusal is JSON like every other."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)
