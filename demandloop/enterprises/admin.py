"""Administration of the ledger: enterprises with their contacts and history, scoped by district.

Saves go through the actions (so history names the user, and contacts keep one primary), reverting to an old
version is off (it would bypass them), and contacts are shown masked to administrators without access to
personal data (`privacy`), the same rule as in the API and the pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from demandloop.core.admin import (
    AllDistricts,
    DistrictScopedAdminMixin,
    DistrictScopedTabularInline,
    administered_districts,
)
from demandloop.core.middleware import current_request
from demandloop.enterprises.actions import (
    ENTERPRISE_FIELDS,
    do_add_contact,
    do_register_enterprise,
    do_remove_contact,
    do_update_contact,
    do_update_enterprise,
)
from demandloop.enterprises.forms import EnterpriseForm
from demandloop.enterprises.grants import ledger_grants
from demandloop.enterprises.models import Enterprise, EnterpriseContact
from demandloop.enterprises.privacy import contact_for_display


class EnterpriseAdminForm(EnterpriseForm):
    class Meta(EnterpriseForm.Meta):
        fields = ["district", *EnterpriseForm.Meta.fields, "needs_review"]


def _reads_personal_data(request: HttpRequest, enterprise: Enterprise | None) -> bool:
    if enterprise is None:
        # A new enterprise: whoever may add it registers its contacts, and so knows them.
        return True
    return ledger_grants(request.user).personal_data.covers(enterprise)


class EnterpriseContactInline(DistrictScopedTabularInline):
    model = EnterpriseContact
    district_lookup = "enterprise__district"
    extra = 0
    hub_may_delete = True
    fields = ["name", "phone", "position", "is_primary", "created_by"]
    readonly_fields = ["created_by"]
    masked_fields = ["shown_name", "shown_phone", "position", "is_primary", "created_by"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if _reads_personal_data(request, obj) else self.masked_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if _reads_personal_data(request, obj) else self.masked_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _reads_personal_data(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _reads_personal_data(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _reads_personal_data(request, obj) and super().has_delete_permission(request, obj)

    @admin.display(description=_("contact name"))
    def shown_name(self, contact: EnterpriseContact) -> str:
        request = current_request()
        return contact_for_display(contact, getattr(request, "user", None)).name

    @admin.display(description=_("phone"))
    def shown_phone(self, contact: EnterpriseContact) -> str:
        request = current_request()
        return contact_for_display(contact, getattr(request, "user", None)).phone


@admin.register(Enterprise)
class EnterpriseAdmin(DistrictScopedAdminMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    form = EnterpriseAdminForm
    inlines = [EnterpriseContactInline]
    list_display = ["name", "uscc", "kind", "district", "area", "status", "is_key", "needs_review"]
    list_filter = [
        ("district", admin.RelatedOnlyFieldListFilter),
        "status",
        "kind",
        "is_key",
        "needs_review",
        ("area", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "uscc", "address"]
    list_select_related = ["district", "area"]
    readonly_fields = ["locality", "status", "deregistered_on", "created_at", "updated_at"]
    history_list_display = ["status", "area"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            # The code identifies the enterprise and its district owns it: neither changes after registration.
            return [*self.readonly_fields, "district", "uscc"]
        return self.readonly_fields

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # simple_history falls back to the history rows of an object missing from the queryset, then refuses
        # with 403; outside a hub's district is "not found", the same as missing (STYLE.md rule 3).
        districts = administered_districts(request.user)
        if not isinstance(districts, AllDistricts) and districts:
            latest = Enterprise.history.filter(id=int(object_id) if object_id.isdigit() else None).first()
            if latest is None or latest.district_id not in districts:
                raise Http404
        return super().history_view(request, object_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # A revert saves an old version directly, past the actions and their checks.
        return True

    def save_model(self, request: HttpRequest, obj: Enterprise, form: forms.ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        data = {name: form.cleaned_data[name] for name in form.cleaned_data if name in ENTERPRISE_FIELDS}
        if change:
            do_update_enterprise(obj, data, acting_user=request.user)
            return
        created = do_register_enterprise(form.cleaned_data["district"], data, acting_user=request.user)
        # The admin goes on with the object it built (inlines, the log, the redirect): make it the saved row.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not EnterpriseContact:
            super().save_formset(request, form, formset, change)
            return
        enterprise = form.instance
        formset.save(commit=False)
        for contact in formset.deleted_objects:
            do_remove_contact(contact, acting_user=request.user)
        for contact, changed in formset.changed_objects:
            # The formset changed `contact` in memory; the action compares with the stored row.
            stored = EnterpriseContact.objects.get(pk=contact.pk)
            do_update_contact(stored, {n: getattr(contact, n) for n in changed}, acting_user=request.user)
        for contact in formset.new_objects:
            fields = {n: getattr(contact, n) for n in ("name", "phone", "position", "is_primary")}
            do_add_contact(enterprise, fields, acting_user=request.user)
