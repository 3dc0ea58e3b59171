"""The enterprises a staff member serves: the scoped ledger with search, and one enterprise with its demands."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandloop.core.imports import checked_upload
from demandloop.demands.models import Demand
from demandloop.demands.queries import demand_grants, district_of
from demandloop.enterprises.filtersets import EnterpriseFilterSet
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.privacy import contacts_for_display
from demandloop.enterprises.queries import get_enterprise_for_user
from demandloop.org.choices import RoleChoices as R
from demandloop.web.access import FIRST_LINE, role_page
from demandloop.web.htmx import render_page_or_part
from demandloop.web.queries import officers_of

LEDGER_ROLES = FIRST_LINE | {R.LEADER, R.HUB, R.DISPATCHER}


@role_page(*LEDGER_ROLES)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    base = Enterprise.objects.for_user(request.user).select_related("area", "locality")
    filterset = EnterpriseFilterSet({"q": request.GET.get("q", "")}, queryset=base)
    page = Paginator(filterset.qs.order_by("name", "pk"), 30).get_page(request.GET.get("page"))
    may_import = bool(demand_grants(request.user).hub_district_ids)
    return render_page_or_part(
        request,
        "web/enterprise_list.html",
        "web/_enterprise_table.html",
        {"page": page, "q": request.GET.get("q", ""), "may_import": may_import},
    )


@role_page(*LEDGER_ROLES)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_enterprise_for_user(request.user, pk)
    demands = Demand.objects.for_user(request.user).filter(enterprise=enterprise).select_related("tier")
    return render(
        request,
        "web/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "contacts": contacts_for_display(enterprise, request.user),
            "officers": officers_of(enterprise),
            "demands": demands.order_by("-received_at")[:50],
        },
    )


# --- The monthly ledger list (静海 §四(二)): checked as a diff, then applied -------------------------------------

# Uploads waiting for the hub's confirmation, per session: token → (stored file, name, district code).
PENDING_KEY = "ledger_uploads"
LEDGER_UPLOAD_DIR = "ledger-imports"


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The market regulation bureau's list (CSV in UTF-8 or GBK, or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self) -> Any:
        return checked_upload(self.cleaned_data["file"])


def _ledger_district(request: HttpRequest) -> Any:
    return district_of(
        request.user, request.POST.get("district") or request.GET.get("district"), hub_only=True
    )


def _take_upload(request: HttpRequest, token: str) -> tuple[dict[str, str], bytes] | None:
    """The waiting upload of `token` and its bytes, no longer waiting (its stored file removed)."""
    pending = dict(request.session.get(PENDING_KEY) or {})
    found = pending.pop(token, None)
    request.session[PENDING_KEY] = pending
    if not found or not default_storage.exists(found["path"]):
        return None
    with default_storage.open(found["path"], "rb") as stored:
        content = stored.read()
    default_storage.delete(found["path"])
    return found, content


@role_page(R.HUB)
def ledger_import(request: HttpRequest) -> HttpResponse:
    """GET the form; POST a file: the diff against the ledger, nothing written, the upload kept for the
    confirmation; POST `apply` with its token: the same file compared again and written (or, with an error,
    nothing), then the areas' officers told of their new and deregistered enterprises."""
    from demandloop.enterprises.imports import import_ledger

    district = _ledger_district(request)
    form = LedgerUploadForm()
    report, token = None, ""
    if request.method == "POST" and "apply" in request.POST:
        taken = _take_upload(request, request.POST.get("token", ""))
        if taken is None or taken[0]["district"] != district.code:
            messages.error(request, _("That list is no longer waiting: upload it again."))
            return redirect(f"{request.path}?district={district.code}")
        found, content = taken
        report = import_ledger(
            found["name"], district=district, apply=True, acting_user=request.user, content=content
        )
    elif request.method == "POST":
        form = LedgerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            report = import_ledger(upload.name, district=district, content=content)
            if report.ok and any(report.of(outcome) for outcome in ("new", "changed", "deregistered")):
                # Kept until confirmed (or replaced by the next upload): the diff shown is the one applied.
                for old in list(request.session.get(PENDING_KEY) or {}):
                    _take_upload(request, old)
                token = uuid.uuid4().hex
                suffix = Path(upload.name).suffix.lower()[:8]
                path = default_storage.save(f"{LEDGER_UPLOAD_DIR}/{token}{suffix}", ContentFile(content))
                pending = dict(request.session.get(PENDING_KEY) or {})
                pending[token] = {"path": path, "name": upload.name, "district": district.code}
                request.session[PENDING_KEY] = pending
    context = {
        "form": form,
        "district": district,
        "report": report,
        "token": token,
        "sections": _ledger_sections(report) if report is not None else [],
        "unchanged": len(report.of("unchanged")) if report is not None else 0,
    }
    refused = bool(form.errors) or (report is not None and not report.ok)
    return render(request, "web/ledger_import.html", context, status=400 if refused else 200)


def _ledger_sections(report: Any) -> list[dict[str, Any]]:
    from demandloop.enterprises.imports import ledger_entry_details

    titles = {
        "new": _("New enterprises"),
        "changed": _("Changed"),
        "deregistered": _("Deregistered"),
        "skipped": _("Skipped"),
    }
    return [
        {
            "outcome": outcome,
            "title": title,
            "rows": [(entry, ledger_entry_details(entry)) for entry in report.of(outcome)],
        }
        for outcome, title in titles.items()
        if report.of(outcome)
    ]
