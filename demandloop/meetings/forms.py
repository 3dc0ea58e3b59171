"""Forms of the meetings pages: typed values for the actions, Chinese errors naming the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.meetings.choices import MeetingKindChoices
from demandloop.org.models import Department


class MeetingForm(forms.Form):
    """Call a joint or topic meeting; its agenda is every demand waiting for a tier-3 decision."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(k.value, k.label) for k in (MeetingKindChoices.JOINT, MeetingKindChoices.TOPIC)],
    )
    title = forms.CharField(label=pgettext_lazy("meeting", "title"), max_length=200)
    scheduled_at = forms.DateTimeField(
        label=_("time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    location = forms.CharField(label=_("place"), max_length=200, required=False)
    chair = forms.CharField(label=_("chaired by"), max_length=64, required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, district: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(district=district).order_by(
            "order", "code"
        )


class DecisionForm(forms.Form):
    """The decision on one demand of the agenda."""

    lead_department = forms.ModelChoiceField(label=_("lead department"), queryset=Department.objects.none())
    co_departments = forms.ModelMultipleChoiceField(
        label=_("co-departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, district: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(district=district).order_by("order", "code")
        self.fields["lead_department"].queryset = departments
        self.fields["co_departments"].queryset = departments


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea(attrs={"rows": 6}))


class TopicForm(forms.Form):
    topic = forms.CharField(label=_("common problem"), max_length=200)
