"""Forms of the pages. They turn what a person typed into typed values with Chinese messages naming the field
(STYLE.md rule 5); the `do_<action>` functions of `demandloop.demands.actions` then do the work.

Every action form has `action_kwargs()`: the keyword arguments of its action function. Choices of places and
departments are limited to the demand's own district.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from demandloop.core.phones import validate_contact_phone
from demandloop.demands.actions import city_desk_progress, city_desk_serves, city_pushes
from demandloop.demands.attachments import HEAD_BYTES, check_attachment
from demandloop.demands.choices import (
    ChannelChoices,
    CityChannelChoices,
    CityStageChoices,
    ComplexityChoices,
    DemandStatusChoices,
    DirectSourceChoices,
    EscalationReasonChoices,
    SatisfiedChoices,
    SolvedChoices,
)
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.errors import ActionInvalid
from demandloop.demands.models import Demand
from demandloop.demands.queries import DemandFacts, city_steps, demand_grants
from demandloop.lib.phones import normalize_phone
from demandloop.org.choices import RoleChoices
from demandloop.org.models import Department, Domain, Exclusion, Tier

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


@dataclass(frozen=True)
class AskedWhen:
    controller: str
    values: tuple[str, ...]


def ask_when(field: forms.Field, controller: str, *values: str) -> None:
    """Ask `field` only while the form's field `controller` has one of `values` (a channel, a yes or no): its
    block is hidden otherwise (`web_tags.asked_when`, static/web/forms.js), and, since the form's clean() requires
    it whenever it is asked, it is not labelled optional."""
    field.asked_when = AskedWhen(controller, tuple(str(value) for value in values))  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by `do_attach` (size, type by content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class DemandContentForm(forms.Form):
    """What every way in asks: the title, the description and optional attachments."""

    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def clean_attachments(self) -> list[Any]:
        # The same size and type rules as `do_attach`, checked before the demand exists: a wrong file is
        # named here and nothing is registered, rather than a demand registered without its file.
        files = self.cleaned_data.get("attachments") or []
        for upload in files:
            upload.seek(0)
            head = upload.read(HEAD_BYTES)
            upload.seek(0)
            try:
                check_attachment(
                    upload.name or "", upload.size or 0, head, max_bytes=settings.ATTACHMENT_MAX_BYTES
                )
            except ActionInvalid as exc:
                raise forms.ValidationError(f"{upload.name}: {exc.message}") from None
        return files


class ContactPhoneField(forms.CharField):
    """A demand's contact number: a phone number (`core.phones.validate_contact_phone`), full-width digits stored
    as ASCII."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Contact phone"))
        super().__init__(max_length=20, required=False, validators=[validate_contact_phone], **kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_phone(super().to_python(value))


class PortalDemandForm(DemandContentForm):
    """An enterprise submits a demand through the portal (channel "online")."""

    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = ContactPhoneField()


class RegisterDemandForm(DemandContentForm):
    """Staff register a demand for an enterprise: an officer's 企业诉求直通车, a 12345 work order, a
    solicitation answer. The enterprise is chosen from the scoped search; `enterprises` is that scope."""

    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Find and choose the enterprise first."),
            "invalid_choice": _("Find and choose the enterprise first."),
        },
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=())
    source = forms.ChoiceField(
        label=_("Source of the direct line"),
        choices=[("", "—"), *DirectSourceChoices.choices],
        required=False,
    )
    hotline_number = forms.CharField(label=_("12345 work-order number"), max_length=64, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = ContactPhoneField()

    def __init__(self, *args: Any, enterprises: Any, channels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        labels = dict(ChannelChoices.choices)
        self.fields["channel"].choices = [(c, labels[c]) for c in ChannelChoices.values if c in channels]
        if len(channels) == 1:
            self.fields["channel"].initial = channels[0]
        ask_when(self.fields["source"], "channel", ChannelChoices.OFFICER)
        ask_when(self.fields["hotline_number"], "channel", ChannelChoices.HOTLINE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        channel = data.get("channel")
        if channel == ChannelChoices.OFFICER and not data.get("source"):
            self.add_error("source", _("Say how you heard of the demand (phone, visit, symposium …)."))
        if channel != ChannelChoices.OFFICER:
            data["source"] = ""
        if channel == ChannelChoices.HOTLINE and not data.get("hotline_number", "").strip():
            self.add_error("hotline_number", _("A 12345 demand needs its work-order number."))
        if channel != ChannelChoices.HOTLINE:
            # Typed, then hidden by choosing another channel: not part of what the person registers.
            data["hotline_number"] = ""
        return data


# --- Action forms ----------------------------------------------------------------------------------------


def handbook_answer(entry: dict[str, Any]) -> str:
    """A handbook entry as an answer to an enterprise: the answer, and whom to contact where the entry says."""
    if entry.get("contacts"):
        return _("%(answer)s Contact: %(contacts)s.") % {
            "answer": entry["answer"].rstrip(),
            "contacts": entry["contacts"].rstrip("。. "),
        }
    return str(entry["answer"])


class ActionForm(forms.Form):
    """The form of one action on one demand."""

    action: str = ""
    submit_label = _("Submit")
    # A word of warning shown above the fields (the page's `demand_detail.html`), or "".
    notice: Any = ""

    def __init__(self, *args: Any, demand: Demand, user: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.demand = demand
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.filter(district_id=demand.district_id)

    def action_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def acting_as_city_desk(self) -> bool:
        """Whether the person fills this form as the city desk (its words differ from a district's)."""
        grants = demand_grants(self.user)
        return bool(grants.city_district_ids) and grants.roles_reaching(
            DemandFacts.of(self.demand, frozenset(), frozenset())
        ) == [RoleChoices.CITY]


def _departments() -> Any:
    return Department.objects.order_by("order", "code")


class NoteField(forms.CharField):
    def __init__(self, label: Any = None, required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(label=label or _("Note"), required=required, **kwargs)


class ScreenForm(ActionForm):
    action = A.SCREEN
    submit_label = _("Record the screening")
    in_scope = forms.TypedChoiceField(
        label=_("Within the service?"),
        choices=[("yes", _("Yes, within the service")), ("no", _("No, out of scope"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="yes",
    )
    exclusion = forms.ModelChoiceField(
        label=_("Reason it is out of scope"), queryset=Exclusion.objects.order_by("order"), required=False
    )
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ask_when(self.fields["exclusion"], "in_scope", "no")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("in_scope") is False and not data.get("exclusion"):
            self.add_error("exclusion", _("Choose why the demand is out of scope."))
        if data.get("in_scope"):
            data["exclusion"] = None
        return data


class TriageForm(ActionForm):
    """Triage, pre-filled with the router's suggestion (issue 6): the officer confirms or changes it, and both
    the suggestion and the choice are recorded on the demand, so `route retrain` learns from the difference."""

    action = A.TRIAGE
    submit_label = _("Record the triage")
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=Domain.objects.order_by("order"))
    complexity = forms.ChoiceField(label=_("Complexity"), choices=ComplexityChoices.choices)
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.order_by("level"))
    lead_department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=_departments(), required=False
    )
    note = NoteField()

    def __init__(self, *args: Any, demand: Demand, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, demand=demand, user=user, **kwargs)
        self.suggestion = routing_suggestion_for(demand)
        if not self.is_bound and self.suggestion:
            self._prefill(self.suggestion)

    def _prefill(self, decision: dict[str, Any]) -> None:
        if not decision.get("domain") or not decision.get("tier") or not decision.get("complexity"):
            return
        fields = self.fields
        domain = fields["domain"].queryset.filter(code=decision["domain"]["code"]).first()
        tier = fields["tier"].queryset.filter(level=decision["tier"]["level"]).first()
        departments = decision.get("departments") or []
        lead = (
            fields["lead_department"].queryset.filter(code=departments[0]["code"]).first()
            if departments
            else None
        )
        fields["domain"].initial = domain
        fields["complexity"].initial = decision["complexity"]["value"]
        fields["tier"].initial = tier
        fields["lead_department"].initial = lead
        reasons = "、".join(r["feature"] for r in departments[0]["because"][:3]) if departments else ""
        fields["lead_department"].help_text = (
            _("Suggested by the router from the words: %(words)s") % {"words": reasons} if reasons else ""
        )

    def action_kwargs(self) -> dict[str, Any]:
        return {**super().action_kwargs(), "routing_suggestion": self.suggestion or None}


def routing_suggestion_for(demand: Demand) -> dict[str, Any]:
    """The router's decision for the demand's text (no duplicates: the triage needs none). A district without
    a trained model still gets its screening; the fields it cannot suggest stay empty."""
    from demandloop.routing.service import suggest
    from demandloop.routing.text import join_title

    text = join_title(demand.title, demand.content)
    return suggest(demand.district.code, text, exclude_id=demand.pk, with_duplicates=False).as_dict()


class AnswerForm(ActionForm):
    action = A.ANSWER
    submit_label = _("Answer on the spot")
    answer = forms.CharField(
        label=_("Answer given to the enterprise"), widget=forms.Textarea(attrs={"rows": 3})
    )
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A simple matter is answered on the spot: the district's handbook entries that match the demand, each
        # offered as the answer's text (question, answer and whom to contact), for the officer to use and adapt.
        from demandloop.routing.text import join_title
        from demandloop.web.suggestions import faq_answers

        self.handbook = [
            {**entry, "text": handbook_answer(entry)}
            for entry in faq_answers(
                [self.demand.district_id], join_title(self.demand.title, self.demand.content)
            )
        ]


class DispatchForm(ActionForm):
    action = A.DISPATCH
    submit_label = _("Dispatch")
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=_departments())
    co_departments = forms.ModelMultipleChoiceField(
        label=_("Co-departments"),
        queryset=_departments(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = NoteField()

    def __init__(self, *args: Any, demand: Demand, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, demand=demand, user=user, **kwargs)
        # The department the triage named is the one to send it to; after a return (退单) it is the department
        # that refused it, so the dispatcher chooses again.
        if demand.status != DemandStatusChoices.RETURNED and demand.lead_department_id:
            self.fields["lead_department"].initial = demand.lead_department_id


class AcceptForm(ActionForm):
    action = A.ACCEPT
    submit_label = _("Accept")
    note = NoteField()


class ReturnForm(ActionForm):
    action = A.RETURN
    submit_label = _("Return to the dispatcher")
    reason = NoteField(label=_("Why it is returned"), required=True)


class PlanForm(ActionForm):
    action = A.PLAN
    submit_label = _("Give plan and ETA")
    plan = forms.CharField(label=_("Plan"), widget=forms.Textarea(attrs={"rows": 3}))
    eta = forms.DateField(label=_("Estimated completion date"), widget=DATE_INPUT)
    note = NoteField()


class InformForm(ActionForm):
    action = A.INFORM
    submit_label = _("The enterprise has been informed")
    note = NoteField(label=_("How and what the enterprise was told"))


class ReportPartForm(ActionForm):
    action = A.REPORT_PART
    submit_label = _("Report our part")
    part = forms.CharField(label=_("What our department did"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(ActionForm):
    action = A.RESOLVE
    submit_label = _("Resolve")
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}))
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        demand = self.demand
        # A matter the city platform holds is resolved by the city's own answer, which its integration brings
        # back. Resolving it here stays possible — the city platform may be down — but the hub should know that
        # the city's later reports will then only be recorded.
        if demand.status != DemandStatusChoices.TRANSFERRED:
            return
        if self.acting_as_city_desk():
            self.fields["result"].label = _("The city's answer")
            self.submit_label = _("Answer (办结)")
        elif city_desk_serves(demand.district_id):
            self.notice = _(
                "This demand awaits the city desk, whose answer resolves it. Resolve it here only if the "
                "enterprise's matter was settled another way, and tell the city desk."
            )
        elif city_pushes(demand.city_channel):
            self.notice = _(
                "This demand awaits the city platform, whose answer resolves it when the city reports it. "
                "Resolve it here only if the city platform cannot report back (it is down, say): the city's "
                "later reports are then only recorded on the timeline and change nothing."
            )


class EvaluateForm(ActionForm):
    action = A.EVALUATE
    submit_label = _("Submit the evaluation")
    solved = forms.ChoiceField(
        label=_("Was the matter solved?"),
        choices=SolvedChoices.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    satisfied = forms.ChoiceField(
        label=_("Are you satisfied?"),
        choices=SatisfiedChoices.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(ActionForm):
    action = A.REOPEN
    submit_label = _("Ask for it to be redone")
    reason = NoteField(label=_("What is still wrong"), required=True)


class EscalateForm(ActionForm):
    action = A.ESCALATE
    submit_label = _("Escalate")
    reason = forms.ChoiceField(label=_("Why"), choices=EscalationReasonChoices.choices)
    note = NoteField()


class DecideForm(ActionForm):
    action = A.DECIDE
    submit_label = _("Record the decision")
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=_departments())
    co_departments = forms.ModelMultipleChoiceField(
        label=_("Co-departments"),
        queryset=_departments(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_INPUT)
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The joint meeting (tier 3) names co-departments; the district leader (tier 4) may name none.
        if self.demand.tier is not None and self.demand.tier.level == 3:
            co = self.fields["co_departments"]
            co.required = True
            co.error_messages["required"] = _("A tier-3 decision names at least one co-department.")


class TransferForm(ActionForm):
    action = A.TRANSFER
    submit_label = _("Transfer to the city")
    city_channel = forms.ChoiceField(label=_("City channel"), choices=CityChannelChoices.choices)
    city_reference = forms.CharField(label=_("City platform reference"), max_length=64, required=False)
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # While an integration pushes 津产发 transfers, the city's reference comes back in its answer: the field
        # is hidden for that channel (static/web/forms.js) and may stay empty; every other channel needs it.
        # In a city-wide deployment every channel reaches the platform's own city desk, which knows the matter
        # by the demand's number: a reference is given only when the matter is already filed with the city.
        self.city_desk = city_desk_serves(self.demand.district_id)
        if self.city_desk:
            self.fields["city_channel"].initial = CityChannelChoices.CITY_OFFICE
            self.fields["city_reference"].help_text = _(
                "Leave empty: the city desk of this platform receives the matter under the demand's own number. "
                "Fill it in only if the enterprise already filed the matter with the city under another number."
            )
        pushed = [channel for channel in CityChannelChoices.values if self.city_desk or city_pushes(channel)]
        if pushed and not self.city_desk:
            typed = [channel for channel in CityChannelChoices.values if channel not in pushed]
            ask_when(self.fields["city_reference"], "city_channel", *typed)
        elif not pushed:
            # No integration and no desk: every channel needs the reference typed.
            reference = self.fields["city_reference"]
            reference.required = True
            reference.error_messages["required"] = _("Give the city platform's reference.")
        self.pushed_channels = frozenset(pushed)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        channel = data.get("city_channel")
        if channel and channel not in self.pushed_channels and not (data.get("city_reference") or "").strip():
            self.add_error("city_reference", _("Give the city platform's reference."))
        if channel in self.pushed_channels and not self.city_desk:
            # A hidden field sends nothing the person chose to send: the platform gets the reference itself.
            data["city_reference"] = ""
        return data


class CityProgressForm(ActionForm):
    """The city desk accepts a matter (受理) or reports how it stands (办理中)."""

    action = A.CITY_PROGRESS
    submit_label = _("Report to the district")
    stage = forms.ChoiceField(label=_("Stage"), choices=CityStageChoices.choices)
    unit = forms.CharField(
        label=_("City unit handling it"),
        max_length=200,
        required=False,
        help_text=_("For example 市发展改革委, when the matter was sent on to a city department."),
    )
    note = NoteField(label=_("Progress note (the district and the enterprise read it)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A matter not yet accepted is accepted first; after that the desk reports progress.
        accepted = city_steps(self.demand, self.demand.transferred_at).exists()
        if accepted:
            # Accepted once: from then on the desk reports progress (a second 受理 would say nothing new).
            self.fields["stage"].choices = [
                (CityStageChoices.IN_PROGRESS, CityStageChoices.IN_PROGRESS.label)
            ]
        self.fields["stage"].initial = CityStageChoices.IN_PROGRESS if accepted else CityStageChoices.ACCEPTED

    def action_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return city_desk_progress(data["stage"], data["unit"], data["note"])


class CityReturnForm(ActionForm):
    """The city desk returns a matter to the district (退回): not the city's, or the district must do more first."""

    action = A.CITY_RETURN
    submit_label = _("Return to the district")
    reason = NoteField(label=_("Why, and what the district should do"), required=True)


class RequestExtensionForm(ActionForm):
    action = A.REQUEST_EXTENSION
    submit_label = _("Request an extension")
    until = forms.DateField(label=_("New completion date"), widget=DATE_INPUT)
    reason = NoteField(label=_("Why more time is needed"), required=True)


class ApproveExtensionForm(ActionForm):
    action = A.APPROVE_EXTENSION
    submit_label = _("Approve the extension")
    note = NoteField()


class RejectExtensionForm(ActionForm):
    action = A.REJECT_EXTENSION
    submit_label = _("Reject the extension")
    reason = NoteField(label=_("Why the extension is refused"), required=True)


class MergeForm(ActionForm):
    action = A.MERGE
    submit_label = _("Merge as a duplicate")
    original = forms.IntegerField(label=_("Number of the demand it repeats"), min_value=1)
    note = NoteField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The open demands of the same enterprise or area that say the same thing, as the router finds them:
        # offered by number, the ones the user may see only.
        from demandloop.routing.service import duplicate_candidates
        from demandloop.routing.text import join_title

        found = duplicate_candidates(
            self.demand.district_id,
            join_title(self.demand.title, self.demand.content),
            enterprise_id=self.demand.enterprise_id,
            area_id=self.demand.area_id,
            exclude_id=self.demand.pk,
        )
        visible = (
            {
                d.pk: d
                for d in Demand.objects.for_user(self.user)
                .filter(pk__in=[c.id for c in found])
                .select_related("enterprise")
            }
            if found and self.user is not None
            else {}
        )
        self.candidates = [
            {"demand": visible[c.id], "similarity": c.similarity, "same_enterprise": c.same_enterprise}
            for c in found
            if c.id in visible
        ]

    def clean_original(self) -> Demand:
        # The original must be a demand the user can see: the same scope rules as the page (404 otherwise).
        number = self.cleaned_data["original"]
        original = Demand.objects.for_user(self.user).filter(pk=number).first()
        if original is None:
            raise forms.ValidationError(_("No demand with this number is within your scope."))
        return original


class WithdrawForm(ActionForm):
    action = A.WITHDRAW
    submit_label = _("Withdraw")
    reason = NoteField(label=_("Why it is withdrawn"), required=True)


class CloseForm(ActionForm):
    action = A.CLOSE
    submit_label = _("Close")
    note = NoteField()


class AttachForm(ActionForm):
    action = A.ATTACH
    submit_label = _("Upload")
    upload = forms.FileField(label=_("File"))


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        ScreenForm,
        TriageForm,
        AnswerForm,
        DispatchForm,
        AcceptForm,
        ReturnForm,
        PlanForm,
        InformForm,
        ReportPartForm,
        ResolveForm,
        EvaluateForm,
        ReopenForm,
        EscalateForm,
        DecideForm,
        TransferForm,
        CityProgressForm,
        CityReturnForm,
        RequestExtensionForm,
        ApproveExtensionForm,
        RejectExtensionForm,
        MergeForm,
        WithdrawForm,
        CloseForm,
        AttachForm,
    )
}


# --- Whistles (吹哨报到) ----------------------------------------------------------------------------------


class WhistleForm(forms.Form):
    """Summon departments to a demand; `do_blow_whistle` checks who may and sets the report-in deadline."""

    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to summon"),
        queryset=_departments(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("What they are summoned for"), widget=forms.Textarea(attrs={"rows": 2}))
    submit_label = _("Blow the whistle")

    def __init__(self, *args: Any, demand: Demand, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "whistle")
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = self.fields["departments"].queryset.filter(
            district_id=demand.district_id
        )


class SuperviseForm(forms.Form):
    """A 督办 by hand: what the hub or the grid centre urges the handlers to do."""

    note = forms.CharField(
        label=_("What you urge the handlers to do"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The lead department's coordinators (else the area's officers) and their leads are told."
        ),
    )
    submit_label = _("Supervise")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "supervise")
        super().__init__(*args, **kwargs)


class ReportInForm(forms.Form):
    """A summoned department reports in (报到) with what it will do."""

    note = forms.CharField(label=_("What our department will do"), widget=forms.Textarea(attrs={"rows": 2}))
