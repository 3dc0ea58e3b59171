"""Pages of the 12345 work orders, mounted at /hotline/ (the dispatcher, 区网格中心, and the hub).

    GET      /hotline/?q=&linked=&enterprise_match=&sync_state=&received_after=&received_before=&page=
                                         the district's orders as imported: caller, enterprise as given and as
                                         matched, the demand and its status, the status-back to 12345
    GET|POST /hotline/import/            upload a 12345 export (CSV or XLSX): the report of every row — new orders
                                         and how their enterprise was found, changed, repeated, every error with
                                         its row and column (then nothing is imported); "check only" imports nothing
    POST     /hotline/<id>/link/         an order the import could not match: the enterprise by its 统一社会信用代码
                                         or exact name; the order becomes a demand
    POST     /hotline/retry/             send failed status-backs to 12345 again: one order's (`order`), or every
                                         failed one of the districts (`all`); each keeps its idempotency key

Only the dispatcher and the hub of the district (404 for everyone else, STYLE.md rule 3). The import and the
link are the same functions as the command and the API (`imports.import_hotline`, `actions.do_link_enterprise`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from demandloop.core.imports import checked_upload
from demandloop.demands.errors import DemandActionError
from demandloop.enterprises.models import Enterprise
from demandloop.integrations.actions import NotRetryable, do_retry_delivery
from demandloop.integrations.hotline12345.actions import do_link_enterprise
from demandloop.integrations.hotline12345.filtersets import HotlineOrderFilterSet, sync_state_q
from demandloop.integrations.hotline12345.imports import import_hotline
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.privacy import caller_for
from demandloop.integrations.hotline12345.queries import managed_district_ids, running_role
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.web.access import role_page
from demandloop.web.queries import ListPage

ORDERS_PER_PAGE = 50
# Rows of each part of an import report shown on the page (the counts are exact).
REPORT_ROWS = 200


def _districts(request: HttpRequest) -> Any:
    return District.objects.filter(pk__in=managed_district_ids(request.user)).order_by("code")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("12345 export (CSV in UTF-8 or GBK, or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    # Asked only of someone running several districts.
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=District.objects.none(), required=False
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only: show what the file would do, import nothing"), required=False
    )

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.districts = list(districts)
        self.fields["district"].queryset = districts
        if len(self.districts) == 1:
            del self.fields["district"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if len(self.districts) == 1:
            cleaned["district"] = self.districts[0]
        elif not cleaned.get("district"):
            self.add_error("district", _("You run several districts: choose one."))
        return cleaned

    def clean_file(self) -> Any:
        return checked_upload(self.cleaned_data["file"])


@role_page(R.DISPATCHER, R.HUB)
def hotline_orders(request: HttpRequest) -> HttpResponse:
    districts = _districts(request)
    if not districts:
        raise Http404
    orders = (
        HotlineOrder.objects.for_user(request.user)
        .filter(district__in=districts)
        .select_related("district", "demand__enterprise", "feedback_message")
        .order_by("-received_at", "-pk")
    )
    filterset = HotlineOrderFilterSet(request.GET, queryset=orders)
    page = ListPage.of(filterset.qs, request.GET.get("page"), ORDERS_PER_PAGE)
    rows = [{"order": order, "caller": caller_for(order, request.user)} for order in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline12345/orders.html",
        {
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "unlinked": orders.filter(demand__isnull=True).count(),
            "failed": orders.filter(sync_state_q("failed")).count(),
        },
    )


@role_page(R.DISPATCHER, R.HUB)
def hotline_import(request: HttpRequest) -> HttpResponse:
    districts = _districts(request)
    if not districts:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, districts=districts)
    report = None
    file_name = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_name = upload.name
        report = import_hotline(
            upload.name,
            district=form.cleaned_data["district"],
            acting_user=request.user,
            apply=not form.cleaned_data["dry_run"],
            content=upload.read(),
        )
    context = {
        "form": form,
        "report": report,
        "file_name": file_name,
        "parts": _report_parts(report) if report is not None else {},
        "limit": REPORT_ROWS,
    }
    refused = form.errors or (report is not None and not report.ok)
    return render(request, "hotline12345/import.html", context, status=400 if refused else 200)


def _report_parts(report: Any) -> dict[str, Any]:
    new, changed, repeated = report.of("new"), report.of("changed"), report.of("repeated")
    return {
        "new": new[:REPORT_ROWS],
        "new_count": len(new),
        "changed": changed[:REPORT_ROWS],
        "changed_count": len(changed),
        "repeated": repeated[:REPORT_ROWS],
        "repeated_count": len(repeated),
        "unchanged_count": len(report.of("unchanged")),
        "unmatched_count": len(report.unmatched),
        "demand_count": sum(1 for entry in new if entry.demand_id is not None),
        "errors": report.errors[:REPORT_ROWS],
        "error_count": len(report.errors),
    }


@role_page(R.DISPATCHER, R.HUB)
@require_POST
def hotline_link(request: HttpRequest, pk: int) -> HttpResponse:
    order = HotlineOrder.objects.filter(pk=pk, district_id__in=managed_district_ids(request.user)).first()
    if order is None:
        raise Http404
    target = _back_to_ledger(request, "/hotline/?linked=false")
    wanted = (request.POST.get("enterprise") or "").strip()
    if not wanted:
        messages.error(request, _("Give the enterprise's unified social credit code or its full name."))
        return redirect(target)
    ledger = Enterprise.objects.for_user(request.user).filter(district_id=order.district_id)
    found = list(ledger.filter(uscc=wanted.upper())[:2]) or list(ledger.filter(name=wanted)[:2])
    if len(found) != 1:
        messages.error(
            request,
            _(
                "No enterprise of the district has the code or name “%(text)s”; register it in the ledger first."
            )
            % {"text": wanted}
            if not found
            else _("Several enterprises are named “%(text)s”: give the unified social credit code.")
            % {"text": wanted},
        )
        return redirect(target)
    try:
        linked = do_link_enterprise(order, request.user, enterprise=found[0])
    except DemandActionError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    messages.success(
        request,
        _("Work order %(number)s is demand #%(demand)d of %(enterprise)s.")
        % {"number": order.number, "demand": linked.demand_id, "enterprise": found[0].name},
    )
    return redirect(target)


def _back_to_ledger(request: HttpRequest, default: str) -> str:
    """Where a form of the ledger returns: the page it was posted from (its filters kept), else `default`."""
    back = request.POST.get("next") or ""
    return back if back.startswith("/hotline/") else default


@role_page(R.DISPATCHER, R.HUB)
@require_POST
def hotline_retry(request: HttpRequest) -> HttpResponse:
    """Send failed status-backs again (the dispatcher sees the error on the ledger, and no longer needs the hub's
    deliveries page for it). Only failed ones: a status-back waiting or delivered is left alone."""
    districts = managed_district_ids(request.user)
    if not districts:
        raise Http404
    failed = (
        HotlineOrder.objects.filter(district_id__in=districts)
        .filter(sync_state_q("failed"))
        .select_related("feedback_message")
    )
    if request.POST.get("all"):
        chosen = list(failed)
        if not chosen:
            messages.info(request, _("No work order's status-back has failed."))
            return redirect(_back_to_ledger(request, "/hotline/"))
    else:
        order_id = request.POST.get("order", "")
        chosen = list(failed.filter(pk=int(order_id))) if order_id.isdigit() else []
        if not chosen:
            messages.error(request, _("This work order has no failed status-back to send again."))
            return redirect(_back_to_ledger(request, "/hotline/?sync_state=failed"))
    sent = 0
    for order in chosen:
        try:
            do_retry_delivery(
                request.user, order.feedback_message, role=running_role(request.user, order.district_id)
            )
        except NotRetryable:
            continue  # sent meanwhile (the sender picked it up): nothing to do
        sent += 1
    messages.success(
        request,
        ngettext(
            "%(n)d status-back is on its way to 12345 again; its state shows here.",
            "%(n)d status-backs are on their way to 12345 again; their state shows here.",
            sent,
        )
        % {"n": sent},
    )
    return redirect(_back_to_ledger(request, "/hotline/?sync_state=failed"))
