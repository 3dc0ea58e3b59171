"""Administration of the organisation: places, departments, the ladder and people with their roles.

Labels come from the models' verbose names (translated in this app's catalogue) and from Django's own strings;
the one message of its own is the refusal of an administrator's account that holds a second role (三权分立).
Scoping by district: `demandloop.core.admin`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from demandloop.core.admin import (
    AllDistricts,
    DistrictScopedAdminMixin,
    DistrictScopedModelAdmin,
    DistrictScopedTabularInline,
    administered_districts,
)
from demandloop.org import tokens
from demandloop.org.choices import ADMIN_ROLES, RoleChoices
from demandloop.org.models import (
    ApiToken,
    Area,
    Department,
    District,
    Domain,
    Exclusion,
    LeaderPost,
    Locality,
    Membership,
    Tier,
    User,
)

# Filters list only the districts present in the (scoped) rows: a hub does not see the others' names.
ONLY_USED_DISTRICTS = ("district", admin.RelatedOnlyFieldListFilter)


@admin.register(District)
class DistrictAdmin(DistrictScopedModelAdmin):
    district_lookup = None
    hub_may_add = False
    list_display = ["code", "name", "full_name", "platform_name", "preset_version", "is_active"]
    search_fields = ["code", "name", "full_name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the preset's key: a hub renaming it would detach its district from the preset.
        if obj is not None and not isinstance(administered_districts(request.user), AllDistricts):
            return ["code", "preset_version", "is_active"]
        return []


@admin.register(Locality)
class LocalityAdmin(DistrictScopedModelAdmin):
    list_display = ["name", "code", "kind", "parent", "district", "order"]
    list_filter = [ONLY_USED_DISTRICTS, "kind"]
    search_fields = ["name", "code"]
    list_select_related = ["district", "parent"]


@admin.register(Area)
class AreaAdmin(DistrictScopedModelAdmin):
    list_display = ["name", "code", "locality", "district", "address_keywords", "order"]
    list_filter = [ONLY_USED_DISTRICTS, ("locality", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code", "locality__name"]
    list_select_related = ["district", "locality"]


@admin.register(Department)
class DepartmentAdmin(DistrictScopedModelAdmin):
    list_display = ["name", "code", "kind", "in_working_group", "phone", "district", "order"]
    list_filter = [ONLY_USED_DISTRICTS, "kind", "in_working_group"]
    search_fields = ["name", "code", "duties"]
    list_select_related = ["district"]


@admin.register(Domain)
class DomainAdmin(DistrictScopedModelAdmin):
    list_display = ["name", "code", "district", "order"]
    list_filter = [ONLY_USED_DISTRICTS]
    list_select_related = ["district"]


@admin.register(Exclusion)
class ExclusionAdmin(DistrictScopedModelAdmin):
    list_display = ["name", "code", "district", "order"]
    list_filter = [ONLY_USED_DISTRICTS]
    search_fields = ["name", "redirect_text"]
    list_select_related = ["district"]


@admin.register(Tier)
class TierAdmin(DistrictScopedModelAdmin):
    list_display = ["level", "name", "short_name", "response_days", "district"]
    list_filter = [ONLY_USED_DISTRICTS]
    list_select_related = ["district"]


@admin.register(LeaderPost)
class LeaderPostAdmin(DistrictScopedModelAdmin):
    list_display = ["title", "code", "district", "order"]
    list_filter = [ONLY_USED_DISTRICTS]
    search_fields = ["title", "code"]
    filter_horizontal = ["areas"]
    list_select_related = ["district"]


class MembershipFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """三权分立: the system administrator, the security administrator and the security auditor are three
    accounts, and none of them holds any other role."""

    def clean(self) -> None:
        super().clean()
        roles = [
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(roles) > 1 and any(role in ADMIN_ROLES for role in roles):
            raise ValidationError(
                _(
                    "Separated administration: a system administrator, security administrator or security "
                    "auditor holds that one role and no other."
                )
            )


class MembershipInline(DistrictScopedTabularInline):
    model = Membership
    formset = MembershipFormSet
    fk_name = "user"
    extra = 0
    fields = [
        "role",
        "district",
        "areas",
        "locality",
        "department",
        "leader_post",
        "enterprise",
        "title",
        "is_liaison",
        "is_active",
    ]
    autocomplete_fields = ["enterprise"]

    def _is_hub(self, request: HttpRequest) -> bool:
        districts = administered_districts(request.user)
        return not isinstance(districts, AllDistricts) and bool(districts)

    def get_min_num(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A hub's user must keep a role in the hub's district, or it would vanish from the hub's list.
        return 1 if self._is_hub(request) else 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Without validate_min a formset only shows min_num forms; it must also refuse fewer.
        kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and self._is_hub(request):
            # Separated administration (三权分立): a hub assigns district roles, never the administrators' — nor
            # the city desk's, which is above the districts.
            kept = ADMIN_ROLES | {RoleChoices.CITY}
            kwargs["choices"] = [(v, label) for v, label in db_field.get_choices() if v not in kept]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class DemandloopUserCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone")


class DemandloopUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta(UserChangeForm.Meta):
        model = User


class DemandloopPasswordChangeForm(AdminPasswordChangeForm):
    """A password an administrator sets is the account's until its owner signs in: it must be changed then."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.must_change_password = user.has_usable_password()
        if commit:
            user.save()
        return user


def _with_fields(fieldsets: Any, index: int, fields: tuple[str, ...]) -> list[Any]:
    """Django's fieldsets (and their translated titles) with the fields of one fieldset replaced."""
    result = [(title, dict(options)) for title, options in fieldsets]
    result[index][1]["fields"] = fields
    return result


# Django's: (None: username, password), (Personal info), (Permissions), (Important dates).
USER_FIELDSETS = _with_fields(
    _with_fields(DjangoUserAdmin.fieldsets, 1, ("full_name", "phone", "email", "is_demo")),
    3,
    ("last_login", "date_joined", "password_changed_at"),
)
HUB_USER_FIELDSETS = _with_fields(USER_FIELDSETS, 2, ("is_active", "is_staff"))
USER_ADD_FIELDSETS = _with_fields(
    DjangoUserAdmin.add_fieldsets,
    0,
    ("username", "full_name", "phone", "usable_password", "password1", "password2"),
)


@admin.register(User)
class UserAdmin(DistrictScopedAdminMixin, DjangoUserAdmin):  # type: ignore[type-arg]
    """People and their roles. A hub manages the people holding a role in its district, no administrator."""

    district_lookup = "memberships__district"
    form = DemandloopUserChangeForm
    add_form = DemandloopUserCreationForm
    change_password_form = DemandloopPasswordChangeForm
    readonly_fields = ["password_changed_at"]
    fieldsets = USER_FIELDSETS
    add_fieldsets = USER_ADD_FIELDSETS
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "phone", "is_active", "is_staff", "is_demo", "last_login"]
    list_filter = [
        "is_active",
        "is_staff",
        "is_demo",
        "memberships__role",
        ("memberships__district", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["username", "full_name", "phone", "email"]
    ordering = ["username"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        districts = administered_districts(request.user)
        if isinstance(districts, AllDistricts) or not districts:
            return qs
        # Administrators of the deployment are out of a hub's reach, whatever district roles they also hold.
        admins = Membership.objects.filter(Q(role__in=ADMIN_ROLES) | Q(district__isnull=True)).values(
            "user_id"
        )
        return qs.exclude(is_superuser=True).exclude(pk__in=admins)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == ApiToken._meta.model_name:
            # Choosing the account of a new API token: only those that may hold one are offered.
            results = tokens.may_hold_tokens(results)
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and obj.has_usable_password():
            # The first password is the administrator's: its owner chooses a new one at the first sign-in.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        districts = administered_districts(request.user)
        return self.fieldsets if isinstance(districts, AllDistricts) or not districts else HUB_USER_FIELDSETS

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The user's scope and ledger grants may be cached on the instance; the next request rebuilds them.
        for name in ("_demandloop_scope", "_demandloop_ledger_grants", "_demandloop_admin_districts"):
            form.instance.__dict__.pop(name, None)


class ApiTokenIssueForm(forms.ModelForm):  # type: ignore[type-arg]
    validity = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        choices=tokens.VALIDITY_CHOICES,
        coerce=int,
        initial=tokens.DEFAULT_VALIDITY,
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def clean_user(self) -> Any:
        user = self.cleaned_data["user"]
        refusal = tokens.why_no_token(user)
        if refusal:
            raise ValidationError(refusal)
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Integrations' API tokens: the deployment's system administrator issues and revokes them. A token is shown
    once, on the page after it is issued; the list shows its first characters, never more."""

    form = ApiTokenIssueForm
    list_display = ["name", "user", "token_key", "created", "expiry", "state", "last_used"]
    list_filter = ["expiry", "last_used"]
    search_fields = ["name", "token_key", "user__username", "user__full_name"]
    autocomplete_fields = ["user"]
    readonly_fields = [
        "user",
        "name",
        "token_key",
        "created",
        "expiry",
        "last_used",
        "last_used_from",
        "issued_by",
    ]

    def _deployment_admin(self, request: HttpRequest) -> bool:
        return isinstance(administered_districts(request.user), AllDistricts)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._deployment_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._deployment_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._deployment_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._deployment_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a token is issued or revoked, never edited

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ["user", "name", "validity"]

    @admin.display(description=gettext_lazy("State"))
    def state(self, token: ApiToken) -> str:
        return _("Expired") if token.expired else pgettext("api token", "In force")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        # The form has checked the account; the purpose is required and the validity one of the choices.
        token, key = tokens.do_issue_token(
            request.user, data["user"], data["name"], data["validity"], request
        )
        obj.__dict__.update({f.attname: getattr(token, f.attname) for f in ApiToken._meta.concrete_fields})
        obj._state.adding = False
        request._demandloop_issued_token = key  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> HttpResponse:
        """The token, once: this page is the only place it is ever shown."""
        return TemplateResponse(
            request,
            "admin/org/apitoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": obj,
                "key": getattr(request, "_demandloop_issued_token", ""),
                "title": _("API token issued"),
            },
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        tokens.revoke(request.user, obj, RoleChoices.SYSADMIN, request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for token in queryset.select_related("user"):
            tokens.revoke(request.user, token, RoleChoices.SYSADMIN, request)


# django-otp registers its devices here, with their secrets and a QR code to copy them: a system administrator
# could then answer another person's second step. Authenticators are set up by their owner only and reset by the
# security administrator (demandloop.org.two_factor); they have no page here.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
