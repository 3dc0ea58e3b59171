"""Writes to the ledger (STYLE.md rule 1): the API, the admin, the pages and the imports call these functions.

Each runs in one transaction, names the acting user on the history row it leaves (django-simple-history reads
`_history_user` before the request's user, so imports and commands outside a request are named too) and writes
its audit row (`core.audit`) in the same transaction. Audit rows of contacts point at the enterprise and carry
the contact's id only: the trail is read by auditors, who must not read personal data.
Callers validate and authorise first (serializers, forms, `grants.can_edit_enterprise`); the functions assume
valid input and fail loudly on a programming error (an unknown field name).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from demandloop.core import audit
from demandloop.enterprises.choices import EnterpriseStatusChoices
from demandloop.enterprises.models import Enterprise, EnterpriseContact
from demandloop.enterprises.queries import area_candidates
from demandloop.lib.address import assign_area
from demandloop.org.models import Area, District

# What a clerk, an import or the API may set when registering or changing an enterprise. The district, the
# status and the deregistration date change only through their own actions.
ENTERPRISE_FIELDS = frozenset(
    {
        "uscc",
        "name",
        "kind",
        "legal_representative",
        "address",
        "locality",
        "area",
        "park",
        "industry",
        "is_key",
        "key_department",
        "registered_on",
        "needs_review",
        "is_demo",
    }
)
CONTACT_FIELDS = frozenset({"name", "phone", "position", "is_primary"})


def _check_fields(given: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(given) - allowed
    if unknown:
        raise TypeError(f"not writable through this action: {sorted(unknown)}")


def _save(instance: models.Model, acting_user: Any, reason: str) -> None:
    instance._history_user = acting_user  # type: ignore[attr-defined]
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()


def _audit_contact(
    action: str, contact: EnterpriseContact, acting_user: Any, reason: str, fields: Any
) -> None:
    audit.record(
        action,
        user=acting_user,
        obj=contact.enterprise,
        message=reason,
        detail={"contact_id": contact.pk, "fields": sorted(set(fields))},
    )


def assign_area_from_address(district: District, address: str) -> Area | None:
    """The area the address places an enterprise in, or None when a clerk must decide (lib/address.py)."""
    assignment = assign_area(address, area_candidates(district.pk))
    if assignment is None:
        return None
    return Area.objects.select_related("locality").get(pk=assignment.area_id)


@transaction.atomic
def do_register_enterprise(
    district: District, fields: Mapping[str, Any], *, acting_user: Any, reason: str = ""
) -> Enterprise:
    """Add an enterprise to the ledger; without an area, the address assigns one when it can."""
    _check_fields(fields, ENTERPRISE_FIELDS)
    enterprise = Enterprise(district=district, **fields)
    if enterprise.area is None and enterprise.address:
        enterprise.area = assign_area_from_address(district, enterprise.address)
    if enterprise.area is not None:
        enterprise.locality = enterprise.area.locality
    _save(enterprise, acting_user, reason)
    audit.record("enterprise.register", user=acting_user, obj=enterprise, message=reason)
    return enterprise


@transaction.atomic
def do_update_enterprise(
    enterprise: Enterprise, changes: Mapping[str, Any], *, acting_user: Any, reason: str = ""
) -> list[str]:
    """Change an enterprise; returns the names of the fields that really changed (nothing saved if none).

    `enterprise` is updated in place. The row is locked first so that two clerks' saves cannot interleave and
    each history row shows what its author changed.
    """
    _check_fields(changes, ENTERPRISE_FIELDS)
    locked = (
        Enterprise.objects.select_for_update(of=("self",))
        .select_related("area__locality")
        .get(pk=enterprise.pk)
    )
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, changes[name])
    if "address" in changed and "area" not in changes and locked.area is None:
        locked.area = assign_area_from_address(locked.district, locked.address)
        if locked.area is not None:
            changed.append("area")
    if "area" in changed and locked.area is not None and locked.locality_id != locked.area.locality_id:
        locked.locality = locked.area.locality
        changed.append("locality")
    if changed:
        _save(locked, acting_user, reason)
        audit.record(
            "enterprise.update", user=acting_user, obj=locked, message=reason, detail={"fields": changed}
        )
    enterprise.refresh_from_db()
    return changed


@transaction.atomic
def do_deregister_enterprise(
    enterprise: Enterprise, *, deregistered_on: datetime.date, acting_user: Any, reason: str = ""
) -> bool:
    """Mark an enterprise deregistered (注销); False if it already was, with that date."""
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if locked.status == EnterpriseStatusChoices.DEREGISTERED and locked.deregistered_on == deregistered_on:
        return False
    locked.status = EnterpriseStatusChoices.DEREGISTERED
    locked.deregistered_on = deregistered_on
    _save(locked, acting_user, reason)
    audit.record(
        "enterprise.deregister",
        user=acting_user,
        obj=locked,
        message=reason,
        detail={"deregistered_on": deregistered_on.isoformat()},
    )
    enterprise.refresh_from_db()
    return True


def _demote_primary(
    enterprise: Enterprise, keep: EnterpriseContact | None, acting_user: Any, reason: str
) -> None:
    # One primary contact per enterprise (constraint enterprisecontact_one_primary); saved one by one so that
    # the demotion has its own history row.
    for other in enterprise.contacts.select_for_update().filter(is_primary=True):
        if keep is None or other.pk != keep.pk:
            other.is_primary = False
            _save(other, acting_user, reason)


@transaction.atomic
def do_add_contact(
    enterprise: Enterprise, fields: Mapping[str, Any], *, acting_user: Any, reason: str = ""
) -> EnterpriseContact:
    """Add a contact, registered by `acting_user`; the first contact of an enterprise is its primary one."""
    _check_fields(fields, CONTACT_FIELDS)
    contact = EnterpriseContact(enterprise=enterprise, created_by=acting_user, **fields)
    if contact.is_primary:
        _demote_primary(enterprise, None, acting_user, reason)
    elif not enterprise.contacts.exists():
        contact.is_primary = True
    _save(contact, acting_user, reason)
    _audit_contact("enterprise.contact_add", contact, acting_user, reason, ["name", "phone", *fields])
    return contact


@transaction.atomic
def do_update_contact(
    contact: EnterpriseContact, changes: Mapping[str, Any], *, acting_user: Any, reason: str = ""
) -> list[str]:
    """Change a contact; returns the names of the fields that really changed."""
    _check_fields(changes, CONTACT_FIELDS)
    changed = [name for name, value in changes.items() if getattr(contact, name) != value]
    if not changed:
        return []
    if changes.get("is_primary"):
        _demote_primary(contact.enterprise, contact, acting_user, reason)
    for name in changed:
        setattr(contact, name, changes[name])
    _save(contact, acting_user, reason)
    _audit_contact("enterprise.contact_update", contact, acting_user, reason, changed)
    return changed


@transaction.atomic
def do_remove_contact(contact: EnterpriseContact, *, acting_user: Any, reason: str = "") -> None:
    """Remove a contact; its history (with who removed it) stays."""
    contact_id = contact.pk
    contact._history_user = acting_user  # type: ignore[attr-defined]
    if reason:
        contact._change_reason = reason  # type: ignore[attr-defined]
    contact.delete()
    contact.pk = contact_id
    _audit_contact("enterprise.contact_remove", contact, acting_user, reason, [])
