"""The administration site's district scoping, shared by every app's admin.

Two kinds of people use the admin (DESIGN.md §1): the system administrator of the deployment (a `sysadmin`
membership without a district, or a Django superuser) sees every row; the hub of a district (`hub`, or a
`sysadmin` bound to a district) sees and edits only its district's rows. Nobody else gets in through these
classes; their model permissions still apply as Django defines them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from demandloop.org.choices import RoleChoices

# Roles that administer a district (or, without a district, the deployment).
DISTRICT_ADMIN_ROLES = frozenset({RoleChoices.HUB, RoleChoices.SYSADMIN})


class AllDistricts:
    """Marker: the user administers every district."""

    def __contains__(self, district_id: object) -> bool:
        return True


ALL_DISTRICTS = AllDistricts()


def administered_districts(user: Any) -> AllDistricts | frozenset[int]:
    """The districts `user` administers in the admin: ALL_DISTRICTS, some ids, or none (cached per user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return frozenset()
    if user.is_superuser:
        return ALL_DISTRICTS
    cached = getattr(user, "_demandloop_admin_districts", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rows = user.memberships.filter(is_active=True, role__in=DISTRICT_ADMIN_ROLES).values_list(
        "role", "district_id"
    )
    result: AllDistricts | frozenset[int] = frozenset(
        district for _, district in rows if district is not None
    )
    if any(role == RoleChoices.SYSADMIN and district is None for role, district in rows):
        result = ALL_DISTRICTS
    user._demandloop_admin_districts = result
    return result


def _district_filter(model: type[models.Model], ids: frozenset[int], lookup: str | None = None) -> models.Q:
    """A filter keeping `model`'s rows of the districts `ids` (its own pk for District itself)."""
    if lookup is None:
        lookup = "pk" if model._meta.model_name == "district" else "district"
    return models.Q(**{f"{lookup}__in": ids})


class ReadOnlyMixin:
    """No adding, changing or deleting here: the actions do that, with their checks and records."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DistrictScopedAdminMixin:
    """Admin scoping by district: querysets, permissions and the choices of related fields.

    `district_lookup` is the path from the model to its district ("district", "enterprise__district" …);
    None means the model is District itself.
    """

    district_lookup: str | None = "district"
    # Hubs configure their district; only the deployment's administrator deletes (PROTECT guards the rest).
    hub_may_delete = False
    hub_may_add = True

    def _districts(self, request: HttpRequest) -> AllDistricts | frozenset[int]:
        return administered_districts(request.user)

    def _lookup(self) -> str:
        return self.district_lookup or "pk"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        districts = self._districts(request)
        if isinstance(districts, AllDistricts):
            return qs
        if not districts:
            # Not a district administrator: Django's model permissions decide, as everywhere else.
            return qs
        return qs.filter(**{f"{self._lookup()}__in": districts}).distinct()

    def _object_district_ok(self, request: HttpRequest, obj: Any) -> bool:
        districts = self._districts(request)
        # An inline is asked about its parent object, which the parent's admin has already scoped.
        if isinstance(districts, AllDistricts) or obj is None or isinstance(self, InlineModelAdmin):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self._districts(request)) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._districts(request):
            return self._object_district_ok(request, obj)
        return bool(super().has_view_permission(request, obj))  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._districts(request):
            return self._object_district_ok(request, obj)
        return bool(super().has_change_permission(request, obj))  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        districts = self._districts(request)
        if isinstance(districts, AllDistricts):
            return True
        if districts:
            return self.hub_may_add
        return bool(super().has_add_permission(request, *args))  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        districts = self._districts(request)
        if isinstance(districts, AllDistricts):
            return True
        if districts:
            return self.hub_may_delete and self._object_district_ok(request, obj)
        return bool(super().has_delete_permission(request, obj))  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def _limit_choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        """Offer only rows of the user's districts in district-bound related fields."""
        districts = self._districts(request)
        if isinstance(districts, AllDistricts) or not districts:
            return
        related = db_field.related_model
        if related is None:
            return
        is_district = related._meta.model_name == "district" and related._meta.app_label == "org"
        if not is_district and not any(f.name == "district" for f in related._meta.get_fields()):
            return
        queryset = kwargs.get("queryset") or related._default_manager.all()
        kwargs["queryset"] = queryset.filter(_district_filter(related, districts))
        if is_district and not getattr(db_field, "many_to_many", False):
            # A hub's rows always belong to a district: its own, never "none".
            kwargs["required"] = True


class DistrictScopedModelAdmin(DistrictScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin scoped by district (see `DistrictScopedAdminMixin`)."""


class DistrictScopedTabularInline(DistrictScopedAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    """An inline scoped by district: its rows and the choices of its related fields."""
