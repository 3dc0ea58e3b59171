"""For the tests of the read-only admin pages (campaigns, issued reports …): a signed-in staff client, and the
check that nobody — the deployment's administrator included — adds, changes or deletes there."""

from __future__ import annotations

from typing import Any

from django.test import Client


def staff_client(user: Any) -> Client:
    """A Chinese-speaking client signed in as `user`, made staff as the admin requires."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def assert_nobody_writes(client: Client, changelist: str, pk: int, change: dict[str, Any]) -> None:
    """Adding, posting `change` to object `pk` and deleting it are all refused (403) under `changelist`."""
    assert client.get(f"{changelist}add/").status_code == 403
    assert client.post(f"{changelist}{pk}/change/", change).status_code == 403
    assert client.get(f"{changelist}{pk}/delete/").status_code == 403
