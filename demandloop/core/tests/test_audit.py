"""The audit trail records every action, sign-in, sign-out, failed sign-in and refusal: when, who, which role,
what, on which object, from which address, and whether it worked."""

from __future__ import annotations

import os
import subprocess
import sys
from ipaddress import ip_network
from typing import Any

import pytest
from rest_framework.test import APIClient

from demandloop.core.models import AuditEvent
from demandloop.demands.tests.world import build_world, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> Any:
    return build_world()


def test_it_records_a_sign_in_with_the_address(client: Any, world: Any) -> None:
    officer = world.jinghai.officer_a
    response = client.post(
        "/accounts/login/",
        {"username": officer.username, "password": f"pw-{officer.username}"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="auth.login")
    assert (row.user, row.username, row.address, row.success) == (officer, officer.username, "10.1.2.3", True)


def test_it_records_a_failed_sign_in_with_the_name_tried_and_never_the_password(
    client: Any, world: Any
) -> None:
    client.post(
        "/accounts/login/", {"username": "nobody", "password": "guess-123456"}, REMOTE_ADDR="10.9.9.9"
    )
    row = AuditEvent.objects.get(action="auth.login_failed")
    assert (row.user, row.username, row.address, row.success) == (None, "nobody", "10.9.9.9", False)
    assert "guess-123456" not in str(row.detail) + row.message


def failed_sign_in_address(client: Any, **meta: str) -> str:
    client.post("/accounts/login/", {"username": "nobody", "password": "guess-123456"}, **meta)
    return AuditEvent.objects.filter(action="auth.login_failed").latest("pk").address


def test_the_address_a_proxy_names_is_believed_only_from_a_trusted_proxy(client: Any, settings: Any) -> None:
    """nginx (deploy/nginx.conf) passes the client's address in X-Real-IP. From anyone else the header is a
    claim the client makes about itself: the audit trail keeps the address the request came from."""
    settings.TRUSTED_PROXIES = (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/24"))
    assert (
        failed_sign_in_address(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7") == "203.0.113.7"
    )
    assert (
        failed_sign_in_address(client, REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="2001:db8::1") == "2001:db8::1"
    )
    assert failed_sign_in_address(client, REMOTE_ADDR="", HTTP_X_REAL_IP="203.0.113.8") == "203.0.113.8", (
        "a unix socket: the proxy on this machine"
    )
    assert failed_sign_in_address(client, REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="10.0.0.1") == (
        "198.51.100.9"
    ), "a client outside claims an inside address"
    assert (
        failed_sign_in_address(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="1.2.3.4\n伪造") == "127.0.0.1"
    )
    assert failed_sign_in_address(client, REMOTE_ADDR="127.0.0.1") == "127.0.0.1"
    settings.TRUSTED_PROXIES = ()
    assert (
        failed_sign_in_address(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7") == "127.0.0.1"
    )


def test_a_wrong_trusted_proxy_stops_the_start_naming_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TRUSTED_PROXIES": "127.0.0.1,nginx"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: “nginx” is not an IP address or network" in result.stderr


def test_it_records_a_sign_out(client: Any, world: Any) -> None:
    hub = world.nankai.hub
    client.force_login(hub)
    client.post("/accounts/logout/", REMOTE_ADDR="10.4.4.4")
    row = AuditEvent.objects.get(action="auth.logout")
    assert (row.user, row.address) == (hub, "10.4.4.4")


def test_it_records_an_action_with_role_object_and_address(world: Any) -> None:
    w = world.jinghai
    demand = receive(w)
    client = APIClient()
    client.force_authenticate(w.officer_a)
    response = client.post(
        f"/api/v1/demands/{demand.pk}/actions/screen/",
        {"in_scope": True},
        format="json",
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 200
    row = AuditEvent.objects.get(action="demand.screen")
    assert (row.user, row.role, row.object_type, row.object_id, row.address, row.success) == (
        w.officer_a,
        "officer",
        "demands.demand",
        str(demand.pk),
        "10.0.0.7",
        True,
    )
    assert row.district_id == w.district.pk
    assert row.detail["to"] == "screened"


def test_it_records_a_refused_action_as_a_failure_after_the_rollback(world: Any) -> None:
    w = world.jinghai
    demand = receive(w)
    client = APIClient()
    client.force_authenticate(w.coord_other)
    # The coordinator of an uninvolved department does not even see the demand: 404, and nothing to audit.
    assert (
        client.post(
            f"/api/v1/demands/{demand.pk}/actions/screen/", {"in_scope": True}, format="json"
        ).status_code
        == 404
    )
    client.force_authenticate(w.leader)
    response = client.post(f"/api/v1/demands/{demand.pk}/actions/screen/", {"in_scope": True}, format="json")
    assert response.status_code == 403
    row = AuditEvent.objects.get(action="demand.screen")
    assert (row.user, row.success, row.detail["code"]) == (w.leader, False, "forbidden")
    assert row.message == response.json()["detail"]


def test_it_records_a_permission_refusal_of_any_api_route(world: Any) -> None:
    w = world.jinghai
    client = APIClient()
    # A district leader sees the enterprises of its areas but may not change them.
    client.force_authenticate(w.leader)
    response = client.patch(
        f"/api/v1/enterprises/{w.ent_a.pk}/", {"name": "改名"}, format="json", REMOTE_ADDR="10.5.5.5"
    )
    assert response.status_code == 403
    row = AuditEvent.objects.get(action="access.refused")
    assert (row.user, row.success, row.address) == (w.leader, False, "10.5.5.5")
    assert row.detail["what"] == f"/api/v1/enterprises/{w.ent_a.pk}/"


def test_it_records_a_refused_intake_through_the_api_once(world: Any) -> None:
    w = world.jinghai
    client = APIClient()
    client.force_authenticate(w.officer_a)
    body = {
        "enterprise": w.ent_a.pk,
        "channel": "hotline",
        "hotline_number": "1",
        "title": "咨询",
        "content": "咨询政策",
    }
    response = client.post("/api/v1/demands/", body, format="json")
    assert response.status_code == 403
    row = AuditEvent.objects.get(action="demand.receive")
    assert (row.user, row.success, row.detail["code"]) == (w.officer_a, False, "forbidden")
