"""Small helpers of the page templates: status badges, the deadline in force, the navigation bar."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html

from demandloop.demands.choices import STATUS_COLOURS, DemandStatusChoices
from demandloop.sla.services import get_calendar
from demandloop.web.access import pages_for
from demandloop.web.deadlines import Deadline, deadline_of

register = template.Library()

# Looked up once: a model's get_<field>_display() rebuilds its choices on every call, which a list of hundreds
# of badges would pay for each row.
STATUS_LABELS = dict(DemandStatusChoices.choices)


@register.simple_tag
def status_badge(demand: Any) -> str:
    colour = STATUS_COLOURS.get(demand.status, "secondary")
    text_colour = " text-dark" if colour in {"light", "warning", "info"} else ""
    return format_html(
        '<span class="badge text-bg-{}{}" data-status="{}">{}</span>',
        colour,
        text_colour,
        demand.status,
        STATUS_LABELS.get(demand.status, demand.status),
    )


@register.simple_tag
def deadline(demand: Any) -> Deadline:
    """The deadline in force of `demand`, classified against the working-day calendar."""
    return deadline_of(demand, timezone.now(), get_calendar())


@register.simple_tag
def nav_pages(user: Any) -> list[Any]:
    return pages_for(user)


# Django's blank choice ("---------"); the platform's selects say "—", as its filters always have.
DJANGO_BLANK = "---------"


def _dash_blank_choice(form_field: Any) -> None:
    """Label the empty choice of a select "—" instead of Django's (or django-filter's) dashes. The widget is this
    form's own copy; its choices are listed once here, as rendering would list them anyway."""
    widget = form_field.widget
    choices = list(widget.choices)
    if any(value == "" and label == DJANGO_BLANK for value, label in choices):
        widget.choices = [
            (value, "—" if value == "" and label == DJANGO_BLANK else label) for value, label in choices
        ]


@register.filter
def label_for(field: Any) -> str:
    """The id a field's <label for> names: the dropdown's button for several choices (Django gives a group of
    checkboxes no single id), else the widget's own."""
    if isinstance(field.field.widget, forms.CheckboxSelectMultiple):
        return str(field.auto_id)
    return str(field.id_for_label)


@register.filter
def asked_when(field: Any) -> str:
    """The attributes of a field's block for a field asked only for some answers of another (`web.forms.ask_when`):
    which control decides and the answers that ask it, and `hidden` while the control's value is not one of them
    (static/web/forms.js then follows the control). "" for every other field."""
    rule = getattr(field.field, "asked_when", None)
    if rule is None:
        return ""
    controller = field.form[rule.controller]
    value = controller.value()
    asked = str(value if value is not None else "") in rule.values
    return format_html(
        ' data-asked-by="{}" data-asked-when="{}"{}',
        controller.html_name,
        " ".join(rule.values),
        "" if asked else " hidden",
    )


@register.filter
def bootstrap(field: Any) -> str:
    """Render a bound field's widget with Bootstrap's class for its kind, marked invalid when it has errors."""
    widget = field.field.widget
    kind = getattr(widget, "input_type", "")
    if isinstance(widget, forms.CheckboxSelectMultiple):
        # Several choices from a dropdown of checkboxes, not a list box that needs ctrl-click.
        return render_to_string("web/_multi_select.html", {"field": field, "invalid": bool(field.errors)})
    if widget.__class__.__name__ in {"Select", "SelectMultiple"}:
        css = "form-select"
        _dash_blank_choice(field.field)
    elif kind in {"checkbox", "radio"}:
        css = "form-check-input"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
