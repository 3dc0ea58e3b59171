"""The session engine (`SESSION_ENGINE`): Django's database sessions, each row naming its account.

This is Django's documented way of extending the database engine ("Extending database-backed session engines"):
the same signed data, in `org.SignedInSession`, with the account's id written beside it on every save. Signing
in, out, and the rotation of the key at sign-in are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[Any]:
        from demandloop.org.models import SignedInSession

        return SignedInSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        row.user_id = int(user_id) if user_id is not None else None
        return row


def clear_expired() -> None:
    """Delete the sessions past their expiry (a periodic task: Django keeps them until someone clears them)."""
    SessionStore.clear_expired()
