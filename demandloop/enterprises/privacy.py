"""Who reads an enterprise contact's name and phone number unmasked: the one decision, used by the API, the
pages, the admin and the exports alike.

- The roles of `PERSONAL_DATA_ROLES` (officer, industry officer, hub, dispatcher) need contacts to work;
  they read them unmasked, each within its own reach (`grants.LedgerGrant`).
- A 双重服务员 (social_officer) has "no access to contacts' personal data beyond what it registered"
  (DESIGN.md §1): it reads unmasked only the contacts it registered itself. The same holds for anyone else:
  what you registered, you know already.
- Every other role (leaders, coordinators, department leads, administrators, enterprise accounts) reads masked
  values (`lib/masking.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from demandloop.enterprises.grants import ledger_grants
from demandloop.lib.masking import mask_name, mask_phone
from demandloop.org.scope import resolve_scope

if TYPE_CHECKING:
    from demandloop.enterprises.models import Enterprise, EnterpriseContact


@dataclass(frozen=True)
class ContactDisplay:
    """A contact as one user may read it."""

    id: int
    name: str
    phone: str
    position: str
    is_primary: bool
    masked: bool


def sees_contact_unmasked(contact: EnterpriseContact, user: Any) -> bool:
    """Whether `user` reads `contact`'s personal data as it is."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if contact.created_by_id is not None and contact.created_by_id == user.pk:
        return True
    # Most users hold no personal-data role: answer from the cached scope without a query.
    if not resolve_scope(user).sees_personal_data:
        return False
    return ledger_grants(user).personal_data.covers(contact.enterprise)


def contact_for_display(contact: EnterpriseContact, user: Any) -> ContactDisplay:
    """`contact` as `user` may read it: unmasked or masked (see the module's rules)."""
    unmasked = sees_contact_unmasked(contact, user)
    return ContactDisplay(
        id=contact.pk,
        name=contact.name if unmasked else mask_name(contact.name),
        phone=contact.phone if unmasked else mask_phone(contact.phone),
        position=contact.position,
        is_primary=contact.is_primary,
        masked=not unmasked,
    )


def contacts_for_display(enterprise: Enterprise, user: Any) -> list[ContactDisplay]:
    """Every contact of `enterprise` as `user` may read it (uses a prefetched `contacts` when present)."""
    return [contact_for_display(contact, user) for contact in enterprise.contacts.all()]
