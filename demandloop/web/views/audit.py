"""The security auditor's page (安全审计员, 三权分立): the audit trail, read-only, filtered and exported.

Every action of the platform writes one `AuditEvent` (`demandloop.core.audit`), refused attempts and sign-ins
included. The auditor reads them here: a deployment-wide auditor (no district) every row, an auditor bound to a
district that district's rows. Nobody else opens the page (404, like any page outside one's roles). An export is
itself audited, with the filters it was made with; reading the page is not (the auditor's searches would bury
what they look for).
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from demandloop.core import audit
from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandActionChoices
from demandloop.knowledge.choices import CaseActionChoices
from demandloop.lib.downloads import text_cells
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District, Membership
from demandloop.web.access import role_page

PER_PAGE = 50
EXPORT_LIMIT = 50000

# What the first part of an action's dotted name is about.
AREAS = {
    "demand": gettext_lazy("Demand"),
    "meetings": gettext_lazy("Meetings"),
    "solicitation": gettext_lazy("Solicitation"),
    "knowledge": gettext_lazy("Typical cases"),
    "reports": gettext_lazy("Monthly report"),
    "enterprise": gettext_lazy("Enterprises"),
    "auth": gettext_lazy("Sign-in"),
    "access": gettext_lazy("Access"),
    "audit": gettext_lazy("Audit trail"),
    "security": gettext_lazy("Security policy"),
    "api_token": gettext_lazy("API tokens"),
    "hotline12345": gettext_lazy("12345 ledger"),
    "outbox": gettext_lazy("Message deliveries"),
}
# Actions with a name of their own beyond the demand's steps.
NAMED = {
    "auth.login": gettext_lazy("Signed in"),
    "auth.login_failed": gettext_lazy("Sign-in failed"),
    "auth.logout": gettext_lazy("Signed out"),
    "access.refused": gettext_lazy("Access refused"),
    "audit.export": gettext_lazy("Exported the audit trail"),
    "auth.locked_out": gettext_lazy("Account locked"),
    "auth.signed_in_elsewhere": gettext_lazy("Signed in elsewhere: earlier sessions ended"),
    "auth.end_own_sessions": gettext_lazy("Signed own other sessions out"),
    "auth.two_factor": gettext_lazy("Passed the second sign-in step"),
    "auth.two_factor_failed": gettext_lazy("Wrong authenticator code"),
    "auth.two_factor_enrolled": gettext_lazy("Set up an authenticator app"),
    "security.reset_two_factor": gettext_lazy("Reset an account's authenticator"),
    "security.policy": gettext_lazy("Changed the security policy"),
    "security.unlock": gettext_lazy("Unlocked an account"),
    "security.require_change": gettext_lazy("Required a new password"),
    "security.end_session": gettext_lazy("Signed a session out"),
    "api_token.issued": gettext_lazy("Issued a token"),
    "api_token.revoked": gettext_lazy("Revoked a token"),
    "meetings.whistle": gettext_lazy("Blew the whistle"),
    "meetings.report_in": gettext_lazy("Reported in"),
    "meetings.supervise": gettext_lazy("Supervised a demand"),
    "meetings.call": gettext_lazy("Called a meeting"),
    "meetings.agenda": gettext_lazy("Put an item on the agenda"),
    "meetings.decision": gettext_lazy("Recorded a meeting decision"),
    "meetings.minutes": gettext_lazy("Recorded the minutes"),
    "meetings.conclude": gettext_lazy("Concluded a meeting"),
    "reports.issue": gettext_lazy("Issued the monthly report"),
    "reports.correct": gettext_lazy("Issued a corrected monthly report"),
    "reports.remind": gettext_lazy("Reminded to issue the monthly report"),
    "solicitation.create": gettext_lazy("Created a campaign"),
    "solicitation.update": gettext_lazy("Edited a campaign"),
    "solicitation.delete": gettext_lazy("Deleted a campaign"),
    "solicitation.launch": gettext_lazy("Launched a campaign"),
    "solicitation.remind": gettext_lazy("Reminded the units that have not replied"),
    "solicitation.close": gettext_lazy("Closed a campaign"),
    "solicitation.save_reply": gettext_lazy("Saved a reply"),
    "solicitation.submit": gettext_lazy("Submitted a reply"),
    "solicitation.add_problems": gettext_lazy("Added problems to a reply"),
    "solicitation.remove_problem": gettext_lazy("Removed a problem from a reply"),
    "solicitation.accept": gettext_lazy("Accepted a problem as a demand"),
    "solicitation.return": gettext_lazy("Returned a reply"),
    "knowledge.selection.set": gettext_lazy("Chose the top-ten cases"),
    "knowledge.selection.publish": gettext_lazy("Published the top-ten cases"),
    "knowledge.selection.unpublish": gettext_lazy("Withdrew the top-ten cases"),
    "knowledge.problem.record": gettext_lazy("Recorded a typical problem"),
    "knowledge.problem.table": gettext_lazy("Put a typical problem on a meeting's agenda"),
    "knowledge.faq.add": gettext_lazy("Added a handbook entry"),
    "knowledge.faq.edit": gettext_lazy("Edited a handbook entry"),
    "enterprise.register": gettext_lazy("Registered an enterprise"),
    "enterprise.update": gettext_lazy("Changed an enterprise"),
    "enterprise.deregister": gettext_lazy("Deregistered an enterprise"),
    "enterprise.contact_add": gettext_lazy("Added a contact person"),
    "enterprise.contact_update": gettext_lazy("Changed a contact person"),
    "enterprise.contact_remove": gettext_lazy("Removed a contact person"),
    "hotline12345.link": gettext_lazy("Linked a work order to an enterprise"),
    "hotline12345.import": gettext_lazy("Imported 12345 work orders"),
    "outbox.retry": gettext_lazy("Retried a delivery"),
}


def action_label(action: str) -> str:
    """ "诉求 · 提级" for a demand's step, the area and the name for the rest ("会议 · meetings.call")."""
    area, _dot, rest = action.partition(".")
    if action in NAMED:
        return f"{AREAS.get(area, area)} · {NAMED[action]}"
    if area == "demand" and rest in DemandActionChoices.values:
        return f"{AREAS['demand']} · {DemandActionChoices(rest).label}"
    step = rest.removeprefix("case.")
    if area == "knowledge" and rest.startswith("case.") and step in CaseActionChoices.values:
        return f"{AREAS['knowledge']} · {CaseActionChoices(step).label}"
    return f"{AREAS[area]} · {action}" if area in AREAS else action


def role_label(row: AuditEvent) -> str:
    """The role as the row's district names it (`District.role_label`: 南开's 助企服务员 …), else the platform's."""
    if row.role == audit.SYSTEM_ROLE:
        return _("the platform")
    if row.role not in R.values:
        return row.role
    return row.district.role_label(row.role) if row.district is not None else str(R(row.role).label)


def object_label(row: AuditEvent) -> str:
    """The object as "#123 title": its number once, also where its own name begins with it (a demand's "#376 …",
    an issued report's "2 · 2026-11")."""
    oid, text = row.object_id, row.object_repr
    if not oid or text.startswith((f"#{oid} ", f"{oid} ")) or text in (oid, f"#{oid}"):
        return text if text.startswith("#") or not oid else f"#{text}"
    return f"#{oid} {text}"


def audit_rows_for(user: Any) -> QuerySet[AuditEvent]:
    """The rows `user` may read as an auditor: all of them without a district, else its districts' rows."""
    districts = set(
        Membership.objects.filter(user=user, is_active=True, role=R.AUDITOR).values_list(
            "district_id", flat=True
        )
    )
    if None in districts:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(district_id__in=districts)


class AuditFilterForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    who = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False)
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=District.objects.none(), required=False
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    result = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[
            ("", "—"),
            ("success", gettext_lazy("Succeeded")),
            ("failure", gettext_lazy("Refused or failed")),
        ],
    )
    target = forms.CharField(label=gettext_lazy("Object"), required=False, max_length=200)
    address = forms.CharField(label=gettext_lazy("Client address"), required=False, max_length=64)

    def __init__(self, *args: Any, rows: QuerySet[AuditEvent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *R.choices, (audit.SYSTEM_ROLE, _("the platform"))]
        actions = rows.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", "—")] + [(a, action_label(a)) for a in actions]
        district_ids = rows.exclude(district=None).values("district_id").distinct()
        self.fields["district"].queryset = District.objects.filter(pk__in=district_ids).order_by("code")
        self.fields["who"].widget.attrs["placeholder"] = _("username or name")
        self.fields["target"].widget.attrs["placeholder"] = _("number or name")

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        start, end = values.get("start"), values.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return values

    def apply(self, rows: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """`rows` narrowed by the valid filters (the form must have been validated)."""
        values = self.cleaned_data
        local = timezone.get_current_timezone()
        if values.get("start"):
            rows = rows.filter(at__gte=datetime.combine(values["start"], time.min, tzinfo=local))
        if values.get("end"):
            rows = rows.filter(
                at__lt=datetime.combine(values["end"] + timedelta(days=1), time.min, tzinfo=local)
            )
        if who := values.get("who", "").strip():
            rows = rows.filter(Q(username__icontains=who) | Q(user__full_name__icontains=who))
        if values.get("role"):
            rows = rows.filter(role=values["role"])
        if values.get("district"):
            rows = rows.filter(district=values["district"])
        if values.get("action"):
            rows = rows.filter(action=values["action"])
        if values.get("result"):
            rows = rows.filter(success=values["result"] == "success")
        if target := values.get("target", "").strip():
            rows = rows.filter(Q(object_id=target.lstrip("#")) | Q(object_repr__icontains=target))
        if address := values.get("address", "").strip():
            rows = rows.filter(address__startswith=address)
        return rows


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    rows = audit_rows_for(request.user)
    form = AuditFilterForm(request.GET, rows=rows)
    if not form.is_valid():
        return form, rows.none()
    return form, form.apply(rows).select_related("user", "district").order_by("-at", "-pk")


@role_page(R.AUDITOR)
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    form, rows = _filtered(request)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.action_label = action_label(row.action)
        row.role_label = role_label(row)
        row.object_label = object_label(row)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit.html",
        {"form": form, "page": page, "query": query.urlencode(), "export_limit": EXPORT_LIMIT},
    )


@role_page(R.AUDITOR)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered rows as an Excel file (at most `EXPORT_LIMIT`, the latest first); the export is audited."""
    form, rows = _filtered(request)
    if form.errors:
        return audit_trail(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    sheet.append(
        [
            _("When"),
            _("Username"),
            _("Full name"),
            _("Role"),
            _("District"),
            _("Action"),
            _("Action code"),
            _("Object type"),
            _("Object number"),
            _("Object"),
            _("Outcome"),
            _("Message"),
            _("Client address"),
            _("Detail"),
        ]
    )
    local = timezone.get_current_timezone()
    written = 0
    for row in rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
        sheet.append(
            text_cells(
                sheet,
                [
                    row.at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                    row.username,
                    row.user.full_name if row.user is not None else "",
                    role_label(row),
                    row.district.name if row.district is not None else "",
                    action_label(row.action),
                    row.action,
                    row.object_type,
                    row.object_id,
                    row.object_repr,
                    _("Succeeded") if row.success else _("Refused or failed"),
                    row.message,
                    row.address,
                    json.dumps(row.detail, ensure_ascii=False) if row.detail else "",
                ],
            )
        )
        written += 1
    audit.record(
        "audit.export",
        user=request.user,
        role=R.AUDITOR,
        detail={"filters": {k: v for k, v in request.GET.items() if v}, "rows": written},
        request=request,
    )
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.xlsx"'
    workbook.save(response)
    return response
