"""Forms of the solicitation pages: typed values for the actions, Chinese errors naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.demands.choices import ComplexityChoices
from demandloop.org.models import Area, Department, District, Domain, Locality
from demandloop.solicitation.actions import CampaignInput, ProblemInput, all_departments, all_localities
from demandloop.solicitation.choices import TargetKindChoices
from demandloop.solicitation.imports import UnknownValue, find_enterprise
from demandloop.solicitation.models import Campaign, CampaignTarget


class CampaignForm(forms.Form):
    """Create or change a draft campaign: the question, the units asked, the reply deadline.

    A person serving the hub of several districts chooses the district first (`district`, offered only then):
    the units and domains offered are the chosen district's, and a unit of another district is not a valid
    choice. Changing the district reloads the form for it (htmx), keeping what was typed.
    """

    title = forms.CharField(label=pgettext_lazy("campaign", "title"), max_length=200)
    instructions = forms.CharField(
        label=_("question and instructions"), widget=forms.Textarea(attrs={"rows": 4})
    )
    domain = forms.ModelChoiceField(label=_("domain"), queryset=Domain.objects.none(), required=False)
    all_localities = forms.BooleanField(label=_("all localities"), required=False)
    localities = forms.ModelMultipleChoiceField(
        label=_("localities"),
        queryset=Locality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    all_departments = forms.BooleanField(label=_("all departments"), required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reply_days = forms.IntegerField(
        label=_("reply within (working days)"), min_value=1, max_value=60, required=False
    )
    reply_by = forms.DateField(
        label=_("or reply by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # Typed texts carried over when the district changes (see `campaign_create`).
    KEPT_ON_DISTRICT_CHANGE = ("title", "instructions", "reply_days", "reply_by")

    def __init__(
        self, *args: Any, district: District, districts: Sequence[District] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if len(districts) > 1:
            field = forms.ModelChoiceField(
                label=_("district"),
                queryset=District.objects.filter(pk__in=[d.pk for d in districts]).order_by("code"),
                to_field_name="code",
                empty_label=None,
                initial=district.code,
                widget=forms.Select(
                    attrs={
                        "hx-get": reverse_lazy("solicitation_create"),
                        "hx-include": ", ".join(
                            f"[name={self.add_prefix(name)}]"
                            for name in ("district", *self.KEPT_ON_DISTRICT_CHANGE)
                        ),
                        "hx-target": "#campaign-editor",
                        "hx-select": "#campaign-editor",
                        "hx-swap": "outerHTML",
                    }
                ),
            )
            self.fields = {"district": field, **self.fields}
            if self.is_bound:
                # The units offered are the chosen district's; an unknown code fails the field itself.
                code = self.data.get(self.add_prefix("district"))
                district = next((d for d in districts if d.code == code), district)
        self.campaign_district = district
        self.fields["domain"].queryset = Domain.objects.filter(district=district).order_by("order")
        self.fields["localities"].queryset = Locality.objects.filter(district=district).order_by(
            "order", "code"
        )
        self.fields["departments"].queryset = Department.objects.filter(district=district).order_by(
            "order", "code"
        )

    @classmethod
    def initial_of(cls, campaign: Campaign) -> dict[str, Any]:
        targets = list(campaign.targets.all())
        return {
            "title": campaign.title,
            "instructions": campaign.instructions,
            "domain": campaign.domain_id,
            "localities": [t.locality_id for t in targets if t.kind == TargetKindChoices.LOCALITY],
            "departments": [t.department_id for t in targets if t.kind == TargetKindChoices.DEPARTMENT],
            "reply_days": campaign.reply_days,
            "reply_by": campaign.reply_by,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reply_days") and data.get("reply_by"):
            self.add_error("reply_by", _("Give either a number of working days or a date, not both."))
        elif not data.get("reply_days") and not data.get("reply_by") and not self.errors:
            self.add_error("reply_days", _("Give the reply deadline: a number of working days or a date."))
        return data

    def campaign_input(self) -> CampaignInput:
        data = self.cleaned_data
        localities = (
            all_localities(self.campaign_district) if data["all_localities"] else list(data["localities"])
        )
        departments = (
            all_departments(self.campaign_district) if data["all_departments"] else list(data["departments"])
        )
        return CampaignInput(
            title=data["title"],
            instructions=data["instructions"],
            domain=data["domain"],
            localities=localities,
            departments=departments,
            reply_days=data["reply_days"],
            reply_by=data["reply_by"],
        )


class ProblemForm(forms.Form):
    """One problem of a unit's reply."""

    enterprise = forms.CharField(
        label=_("enterprise (USCC or full name)"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for a general problem of many enterprises."),
    )
    area = forms.ModelChoiceField(label=_("area"), queryset=Area.objects.none(), required=False)
    content = forms.CharField(label=_("problem"), widget=forms.Textarea(attrs={"rows": 3}))
    complexity = forms.ChoiceField(
        label=_("simple or complex"),
        choices=ComplexityChoices.choices,
        initial=ComplexityChoices.SIMPLE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, target: CampaignTarget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        if target.kind == TargetKindChoices.LOCALITY:
            self.fields["area"].queryset = Area.objects.filter(locality_id=target.locality_id).order_by(
                "order"
            )
        else:
            del self.fields["area"]

    def clean_enterprise(self) -> Any:
        try:
            return find_enterprise(self.target.campaign.district_id, self.cleaned_data["enterprise"])
        except UnknownValue as error:
            raise forms.ValidationError(str(error)) from error

    def problem_input(self) -> ProblemInput:
        data = self.cleaned_data
        return ProblemInput(
            content=data["content"],
            complexity=data["complexity"],
            enterprise=data["enterprise"],
            area=data.get("area"),
        )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file of problems"))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("reason for returning"), max_length=500)
