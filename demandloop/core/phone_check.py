"""The phone numbers already saved that the platform's checks (`core.phones`) refuse.

The checks came after the data (org migration 0009): a row saved before them keeps its number until someone
edits it, and then the form says what is wrong. `bad_phones()` finds them all at once — every field of every
model that carries one of the phone validators — with the record, the reason and where to correct it. Run by
`demandloop phones`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse

from demandloop.core.phones import (
    validate_contact_phone,
    validate_department_phone,
    validate_mobile,
    validate_phone,
)

PHONE_VALIDATORS = (validate_phone, validate_department_phone, validate_contact_phone, validate_mobile)
CHUNK = 2000


@dataclass(frozen=True)
class BadPhone:
    """A saved number its field's check refuses."""

    model: str  # e.g. "org.user"
    model_name: str  # the model's name in Chinese
    pk: Any
    record: str
    field: str
    field_name: str
    value: str
    reason: str
    where: str  # the page where it is corrected, "" when none is

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def phone_fields() -> list[tuple[type[models.Model], models.Field[Any, Any], Callable[[str], None]]]:
    """Each model field checked as a phone number, with its check (not the history's copies: a record of what
    was, corrected with the record itself)."""
    found = []
    for model in apps.get_models():
        if hasattr(model, "instance_type"):  # simple_history's historical model
            continue
        for field in model._meta.concrete_fields:
            for validator in field.validators:
                if validator in PHONE_VALIDATORS:
                    found.append((model, field, validator))
    return found


def _admin_page(obj: models.Model) -> str:
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def _where(obj: models.Model) -> str:
    """The admin page that edits `obj`; a demand's page (its contact is part of the record: the page shows it
    to whoever calls back); an enterprise's contact, its enterprise's admin page, where the contacts are inline;
    "" when there is none."""
    if admin.site.is_registered(type(obj)):
        return _admin_page(obj)
    if obj._meta.label_lower == "demands.demand":
        return reverse("demand_detail", args=[obj.pk])
    parent = getattr(obj, "enterprise", None)
    if parent is not None and admin.site.is_registered(type(parent)):
        return _admin_page(parent)
    return ""


def bad_phones() -> Iterator[BadPhone]:
    """Every saved number that its field's check refuses, model by model, in the order of the records."""
    for model, field, validator in phone_fields():
        refused: dict[Any, tuple[str, str]] = {}
        rows = model._default_manager.exclude(**{field.attname: ""}).order_by("pk")
        for pk, value in rows.values_list("pk", field.attname).iterator(chunk_size=CHUNK):
            try:
                validator(value)
            except ValidationError as error:
                refused[pk] = (value, " ".join(str(message) for message in error.messages))
        if not refused:
            continue
        records = model._default_manager.in_bulk(list(refused))
        for pk, (value, reason) in refused.items():
            obj = records[pk]
            yield BadPhone(
                model=model._meta.label_lower,
                model_name=str(model._meta.verbose_name),
                pk=pk,
                record=str(obj),
                field=field.name,
                field_name=str(field.verbose_name),
                value=value,
                reason=reason,
                where=_where(obj),
            )
