"""Pages of the handbook (高频事项应答手册), mounted at /handbook/.

    GET      /handbook/?district=&q=&department=&status=   the district's questions and answers: every colleague
                                                            reads them (静海 §四(一): 方便为企服务人员…查看使用); the
                                                            hub also sees the withdrawn ones and edits
    GET      /handbook/handbook.<docx|xlsx>?district=      the whole handbook as a file
    GET|POST /handbook/new/?district=                      the hub adds a question
    GET|POST /handbook/<id>/edit/                          the hub edits one (a new version), or withdraws it;
                                                            the page lists its earlier versions

An entry of another district, or the edit pages for anyone but the district's hub, is 404 (STYLE.md rule 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from demandloop.demands.errors import DemandActionError, DemandConflict
from demandloop.demands.queries import district_of, is_hub_of
from demandloop.knowledge import actions
from demandloop.knowledge.cases import hub_district_ids
from demandloop.knowledge.export import EXPORT_FORMATS, handbook_file
from demandloop.knowledge.forms import FaqEntryForm
from demandloop.knowledge.models import FaqEntry
from demandloop.knowledge.queries import matching_entries
from demandloop.lib.downloads import as_download
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.org.scope import resolve_scope
from demandloop.web.access import DEMAND_STAFF, role_page
from demandloop.web.htmx import render_page_or_part


@role_page(*DEMAND_STAFF)
def handbook(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(request.user)
    district = district_of(request.user, request.GET.get("district"), hub_only=False)
    keeper = is_hub_of(request.user, district.pk)
    q = request.GET.get("q", "").strip()
    department = request.GET.get("department", "")
    department = department if department.isdigit() and len(department) < 19 else ""
    # The withdrawn entries are the hub's alone.
    status = request.GET.get("status", "") if keeper else "published"
    entries = FaqEntry.objects.filter(district=district).select_related("department")
    if status == "published":
        entries = entries.filter(is_published=True)
    elif status == "withdrawn":
        entries = entries.filter(is_published=False)
    if department:
        entries = entries.filter(department_id=int(department))
    entries = matching_entries(entries, q)
    context = {
        "district": district,
        "districts": District.objects.filter(pk__in=scope.district_ids).order_by("code"),
        "entries": list(entries.order_by("order", "code")),
        "departments": district.departments.order_by("order", "code"),
        "keeper": keeper,
        "q": q,
        "department": department,
        "status": status,
        "statuses": [("published", _("Published")), ("withdrawn", _("Not published"))],
        "filtered": bool(q or department or (keeper and status)),
    }
    return render_page_or_part(
        request,
        "knowledge/handbook.html",
        "knowledge/_handbook_entries.html",
        context,
        target="handbook-entries",
    )


@role_page(*DEMAND_STAFF)
def handbook_download(request: HttpRequest, file_format: str) -> HttpResponse:
    if file_format not in EXPORT_FORMATS:
        raise Http404
    district = district_of(request.user, request.GET.get("district"), hub_only=False)
    return as_download(handbook_file(district, file_format))


def _keep(form: FaqEntryForm, exc: DemandActionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@role_page(R.HUB)
def handbook_new(request: HttpRequest) -> HttpResponse:
    district = district_of(
        request.user, request.GET.get("district") or request.POST.get("district"), hub_only=True
    )
    form = FaqEntryForm(request.POST or None, district=district)
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.do_add_faq_entry(district, request.user, **form.action_kwargs())
        except DemandActionError as exc:
            _keep(form, exc)
        else:
            messages.success(request, _("The question is added to the handbook."))
            return redirect(f"/handbook/?district={district.code}#faq-{entry.pk}")
    context = {"form": form, "district": district, "entry": None, "versions": []}
    return render(request, "knowledge/handbook_form.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class Version:
    """One earlier (or the current) version of an entry as its history kept it."""

    number: int
    saved_at: datetime
    saved_by: str
    question: str
    answer: str
    contacts: str
    department: str


def versions_of(entry: FaqEntry) -> list[Version]:
    """Each version of the entry, newest first: its last saved state (a withdrawal does not make a version)."""
    found: dict[int, Version] = {}
    records = entry.history.select_related("history_user", "department").order_by("-history_date", "-pk")
    for record in records:
        if record.version in found:
            continue
        found[record.version] = Version(
            number=record.version,
            saved_at=record.history_date,
            saved_by=record.history_user.get_full_name() if record.history_user else _("Seed handbook"),
            question=record.question,
            answer=record.answer,
            contacts=record.contacts,
            department=record.department.name if record.department else "",
        )
    return sorted(found.values(), key=lambda v: -v.number)


@role_page(R.HUB)
def handbook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = FaqEntry.objects.filter(pk=pk, district_id__in=hub_district_ids(request.user)).first()
    if entry is None:
        raise Http404
    initial = {
        "question": entry.question,
        "answer": entry.answer,
        "department": entry.department_id,
        "contacts": entry.contacts,
        "keywords": "、".join(entry.keywords or ()),
        "is_published": entry.is_published,
        "version": entry.version,
    }
    form = FaqEntryForm(request.POST or None, initial=initial, district=entry.district)
    if request.method == "POST" and form.is_valid():
        read_at = form.cleaned_data.get("version") or entry.version
        try:
            saved = actions.do_edit_faq_entry(entry, request.user, version=read_at, **form.action_kwargs())
        except DemandConflict as exc:
            messages.error(request, exc.message)
            return redirect("handbook_edit", pk=entry.pk)
        except DemandActionError as exc:
            _keep(form, exc)
        else:
            if saved.version != entry.version:
                messages.success(request, _("Saved as version %(n)d.") % {"n": saved.version})
            elif saved.is_published != entry.is_published:
                messages.success(
                    request,
                    _("The question is published again.")
                    if saved.is_published
                    else _("The question is withdrawn."),
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(f"/handbook/?district={saved.district.code}#faq-{saved.pk}")
    context = {"form": form, "district": entry.district, "entry": entry, "versions": versions_of(entry)}
    return render(request, "knowledge/handbook_form.html", context, status=400 if form.errors else 200)
