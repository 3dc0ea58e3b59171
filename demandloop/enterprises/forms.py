"""Forms of the ledger: the 统一社会信用代码 field every form, serializer and import shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.validators import validate_uscc
from demandloop.lib.uscc import normalize_uscc


class UsccFormField(forms.CharField):
    """A 统一社会信用代码: separators are dropped, then the code is checked (lib/uscc.py for the rules)."""

    default_validators = [validate_uscc]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("unified social credit code"))
        # No max_length here: "91 110000 600037341L" is 20 characters as typed and 18 once compact.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_uscc(str(super().to_python(value)))


class EnterpriseForm(forms.ModelForm):  # type: ignore[type-arg]
    """The clerk's form of an enterprise (pages and admin); status changes go through their own actions."""

    uscc = UsccFormField()

    class Meta:
        model = Enterprise
        fields = [
            "uscc",
            "name",
            "kind",
            "legal_representative",
            "address",
            "area",
            "park",
            "industry",
            "is_key",
            "key_department",
            "registered_on",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("key_department") is not None and not cleaned.get("is_key"):
            self.add_error("key_department", _("Only a key enterprise has a department in charge of it."))
        return cleaned
