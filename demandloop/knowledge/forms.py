"""Forms of the typical-case pages: they turn input into values; the actions check the rules and name the
field of the first thing wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from demandloop.knowledge.cases import SELECTION_SIZE


class CaseForm(forms.Form):
    """The texts of a case (nomination and edit)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    background = forms.CharField(
        label=_("Background: the enterprise's problem"), widget=forms.Textarea(attrs={"rows": 4})
    )
    approach = forms.CharField(
        label=_("What was done: who, at which tier, whistle or meeting"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    outcome = forms.CharField(
        label=pgettext_lazy("typical case", "Outcome"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        label=_("Lessons: what others can learn"), widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(
        label=_("Tags (e.g. the domain), separated by commas"), max_length=200, required=False
    )
    anonymous = forms.BooleanField(
        label=_("Anonymise the enterprise (published as “an enterprise”)"), required=False
    )
    submit_label = _("Submit for review")

    def action_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What should the author revise?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the selection unpublished?"), widget=forms.Textarea(attrs={"rows": 2})
    )


def selection_places(data: Any, case_ids: list[int]) -> tuple[list[int], str]:
    """The chosen case ids in order from the inputs `place-<id>` (1–10, empty = not chosen), or an error."""
    places: dict[int, int] = {}
    for pk in case_ids:
        text = (data.get(f"place-{pk}") or "").strip()
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= SELECTION_SIZE:
            return [], str(_("Place: give a number from 1 to 10, not “%(text)s”.") % {"text": text})
        place = int(text)
        if place in places.values():
            return [], str(_("Place %(n)d is given to two cases.") % {"n": place})
        places[pk] = place
    return [pk for pk, _place in sorted(places.items(), key=lambda item: item[1])], ""


class FaqEntryForm(forms.Form):
    """One question of the handbook as the hub writes it (the actions check the rules)."""

    question = forms.CharField(label=_("Question"), max_length=255)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}))
    department = forms.ModelChoiceField(label=_("Responsible department"), queryset=None, required=False)
    contacts = forms.CharField(
        label=pgettext_lazy("handbook column", "Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who to call: the department's contact person and telephone, the window or hotline."),
    )
    keywords = forms.CharField(
        label=pgettext_lazy("handbook column", "Keywords"),
        required=False,
        max_length=300,
        help_text=_(
            "Words an officer or an enterprise would use for this matter, separated by 、 or commas: they "
            "help this answer come up for a new demand."
        ),
    )
    is_published = forms.BooleanField(
        label=_("Published: officers and enterprises see it, new demands are matched against it"),
        required=False,
        initial=True,
    )
    # The version the page was read at: someone else's save in between is refused, not overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, district: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = district.departments.order_by("order", "code")

    def action_kwargs(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values.pop("version", None)
        return values
