"""The template tags of the workbench pages."""

from __future__ import annotations

import pytest
from django import forms
from django.db.models import BLANK_CHOICE_DASH

from demandloop.org.models import District
from demandloop.web.templatetags.web_tags import bootstrap


class Filters(forms.Form):
    overdue = forms.ChoiceField(choices=[*BLANK_CHOICE_DASH, ("yes", "超时")], required=False)
    district = forms.ModelChoiceField(queryset=District.objects.all(), required=False)
    kind = forms.ChoiceField(choices=[("", "全部"), ("a", "甲")], required=False)


@pytest.mark.django_db
def test_a_select_offers_its_empty_choice_as_a_dash_not_djangos_dashes():
    form = Filters()
    overdue, district, kind = (str(bootstrap(form[name])) for name in ("overdue", "district", "kind"))
    for html in (overdue, district):
        assert "---------" not in html
        assert '<option value="" selected>—</option>' in html, html
    assert '<option value="" selected>全部</option>' in kind, "a blank choice with its own words keeps them"
    assert 'class="form-select"' in overdue
    # Another form of the same class still has Django's own field: only the rendered copy changed.
    assert Filters.base_fields["overdue"].choices[0] == ("", "---------")


@pytest.mark.django_db
def test_a_filter_sets_select_gets_the_dash_too():
    import django_filters

    from demandloop.demands.choices import ChannelChoices
    from demandloop.demands.models import Demand

    class DemandFilter(django_filters.FilterSet):
        channel = django_filters.ChoiceFilter(choices=ChannelChoices.choices)

        class Meta:
            model = Demand
            fields = ["channel"]

    html = str(bootstrap(DemandFilter().form["channel"]))
    assert "---------" not in html and '<option value="" selected>—</option>' in html, html
