"""Integrations' API tokens: only a digest is kept, the token is shown once, the security administrator revokes
it, and tokens issued before (Django REST framework's, kept in plain text) keep working after the upgrade."""

from __future__ import annotations

import importlib
import io
import json
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from demandloop.core.models import AuditEvent
from demandloop.org import tokens
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import ApiToken
from demandloop.web.views.audit import action_label

pytestmark = pytest.mark.django_db

API = "/api/v1/demands/"


def call_api(key: str, address: str = "10.20.30.40") -> Any:
    """A request of an integration: no session, only the token."""
    return Client().get(API, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def stored_text(token: ApiToken) -> str:
    """Everything the database holds of a token, as one text."""
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    return json.dumps(row, default=str)


@pytest.fixture
def sysadmin(make_user: Any) -> Any:
    """The deployment's system administrator (the admin site, no district)."""
    return make_user("sysadmin", R.SYSADMIN, is_staff=True, full_name="系统管理员甲")


@pytest.fixture
def secadmin(make_user: Any) -> Any:
    return make_user("secadmin", R.SECADMIN, full_name="安全员甲")


def signed_in(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_an_issued_token_calls_the_api_and_the_database_keeps_only_its_digest(world):
    dispatcher = world.person("J:dispatcher")
    token, key = tokens.do_issue_token(None, dispatcher, "12345 工单对接", 365)
    assert key.startswith("dl_") and len(key) > 40
    assert key not in stored_text(token) and token.token_key == key[:15]
    assert token.expiry is not None and timedelta(days=364) < token.expiry - timezone.now() <= timedelta(
        days=365
    )

    answered = call_api(key)
    assert answered.status_code == 200 and "results" in answered.json()
    assert "sessionid" not in answered.cookies, "an integration has no session"
    token.refresh_from_db()
    assert token.last_used is not None and token.last_used_from == "10.20.30.40"

    assert call_api(key[:-1] + ("0" if key[-1] != "0" else "1")).status_code == 401
    assert call_api(token.token_key).status_code == 401, "the first characters alone are nothing"
    issued = AuditEvent.objects.get(action=tokens.TOKEN_ISSUED)
    assert issued.detail["username"] == dispatcher.username and issued.detail["via"] == "command"
    assert key not in json.dumps(issued.detail), "the audit trail names the token by its first characters"
    with translation.override("zh-hans"):
        assert action_label(tokens.TOKEN_ISSUED) == "接口令牌 · 签发令牌"
        assert action_label(tokens.TOKEN_REVOKED) == "接口令牌 · 撤销令牌"


def test_an_expired_token_is_refused_but_stays_listed_and_a_disabled_account_is_refused(world):
    dispatcher = world.person("J:dispatcher")
    expired, expired_key = tokens.do_issue_token(None, dispatcher, "旧对接", 30)
    ApiToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    live, live_key = tokens.do_issue_token(None, dispatcher, "新对接", 0)
    assert live.expiry is None

    assert call_api(expired_key).status_code == 401
    assert ApiToken.objects.filter(pk=expired.pk).exists(), "kept, to be seen as expired and revoked"
    assert call_api(live_key).status_code == 200

    dispatcher.is_active = False
    dispatcher.save(update_fields=["is_active"])
    assert call_api(live_key).status_code == 401


def test_administrators_and_disabled_accounts_get_no_token_and_bad_requests_say_why(
    world, secadmin, make_user
):
    superuser = make_user("root", R.SYSADMIN)
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    for account in (secadmin, superuser):
        with pytest.raises(tokens.TokenActionError, match="不能持有接口令牌"):
            tokens.do_issue_token(None, account, "运维", 30)
    dispatcher = world.person("J:dispatcher")
    with pytest.raises(tokens.TokenActionError, match="用途"):
        tokens.do_issue_token(None, dispatcher, "  ", 30)
    with pytest.raises(tokens.TokenActionError, match="30、90、180、365"):
        tokens.do_issue_token(None, dispatcher, "对接", 7)
    assert (
        not ApiToken.objects.exists() and not AuditEvent.objects.filter(action=tokens.TOKEN_ISSUED).exists()
    )


def test_a_token_of_an_account_that_came_to_administer_the_platform_is_refused():
    from demandloop.org.models import Membership, User

    account = User.objects.create_user(username="exchange", password=None)
    _token, key = tokens.do_issue_token(None, account, "数据交换", 90)
    assert call_api(key).status_code == 200, "no role: an empty list, but signed in"
    Membership.objects.create(user=account, role=R.AUDITOR)
    refused = call_api(key)
    assert refused.status_code == 401 and refused.json()["detail"] == "该账号不能使用接口令牌。"


def test_the_system_administrator_issues_a_token_in_the_admin_sees_it_once_and_revokes_it(
    world, sysadmin, make_user
):
    dispatcher = world.person("J:dispatcher")
    admin = signed_in(sysadmin)
    form = admin.get("/admin/org/apitoken/add/")
    assert form.status_code == 200 and "有效期" in form.content.decode()
    assert '<a href="/messages/">消息</a>' in form.content.decode(), (
        "the messages (a token expiring) are a click away"
    )

    def offered(term: str) -> list[str]:
        query = {"app_label": "org", "model_name": "apitoken", "field_name": "user", "term": term}
        return [row["id"] for row in admin.get("/admin/autocomplete/", query).json()["results"]]

    assert (
        f'href="/admin/org/user/{sysadmin.pk}/change/'
        in admin.get("/admin/org/user/?q=sysadmin").content.decode()
    )
    assert offered("sysadmin") == [], "the same search offers no administrator for a token"
    assert offered("J-disp") == [str(dispatcher.pk)]

    refused = admin.post("/admin/org/apitoken/add/", {"user": sysadmin.pk, "name": "自用", "validity": "90"})
    assert refused.status_code == 200 and "不能持有接口令牌" in refused.content.decode()
    assert not ApiToken.objects.exists()

    issued = admin.post(
        "/admin/org/apitoken/add/", {"user": dispatcher.pk, "name": "12345 工单对接", "validity": "90"}
    )
    page = issued.content.decode()
    assert issued.status_code == 200 and "接口令牌已签发" in page
    key = re.search(r'id="issued-token"[^>]*value="([^"]+)"', page)
    assert key is not None
    key_text = key.group(1)
    assert call_api(key_text).status_code == 200
    token = ApiToken.objects.get()
    assert token.issued_by == sysadmin and token.name == "12345 工单对接"
    assert timedelta(days=89) < token.expiry - timezone.now() <= timedelta(days=90)

    listed = admin.get("/admin/org/apitoken/").content.decode()
    assert token.token_key in listed and key_text not in listed
    viewed = admin.get(f"/admin/org/apitoken/{token.pk}/change/").content.decode()
    assert key_text not in viewed

    hub = signed_in(make_user("J-hub-staff", R.HUB, world.districts["J"].district, is_staff=True))
    assert hub.get("/admin/org/apitoken/").status_code == 403, "a district's administrator issues no token"

    deleted = admin.post(f"/admin/org/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not ApiToken.objects.exists()
    assert call_api(key_text).status_code == 401
    revoked = AuditEvent.objects.get(action=tokens.TOKEN_REVOKED)
    assert (
        revoked.user == sysadmin
        and revoked.role == R.SYSADMIN
        and revoked.detail["purpose"] == "12345 工单对接"
    )


def test_the_security_administrator_sees_the_tokens_in_reach_and_revokes_one(world, secadmin, make_user):
    jinghai, nankai = world.person("J:dispatcher"), world.person("N:dispatcher")
    j_token, j_key = tokens.do_issue_token(None, jinghai, "静海12345对接", 365)
    n_token, n_key = tokens.do_issue_token(None, nankai, "南开12345对接", 365)
    call_api(j_key, address="10.0.0.9")

    page = signed_in(secadmin).get(reverse("security")).content.decode()
    section = page[page.index('id="security-tokens"') :]
    assert 'id="token-count">2<' in section
    assert "静海12345对接" in section and "南开12345对接" in section and "10.0.0.9" in section
    assert j_key not in page and n_key not in page

    # A security administrator of 南开 sees and revokes only 南开's tokens.
    district_secadmin = make_user("N-secadmin", R.SECADMIN, world.districts["N"].district)
    own = signed_in(district_secadmin)
    n_page = own.get(reverse("security")).content.decode()
    assert "南开12345对接" in n_page and "静海12345对接" not in n_page
    refused = own.post(reverse("security_revoke_token"), {"token": tokens.token_ref(j_token)}, follow=True)
    assert "已撤销，或不在您的管理范围内" in refused.content.decode()
    assert call_api(j_key).status_code == 200

    done = own.post(reverse("security_revoke_token"), {"token": tokens.token_ref(n_token)}, follow=True)
    assert "南开12345对接" in done.content.decode() and "已撤销" in done.content.decode()
    assert call_api(n_key).status_code == 401
    revoked = AuditEvent.objects.get(action=tokens.TOKEN_REVOKED)
    assert revoked.user == district_secadmin and revoked.role == R.SECADMIN


def test_a_token_issued_before_the_upgrade_keeps_working_and_its_plain_text_is_gone(world):
    """Migration org 0012: DRF's plain-text tokens become digests; the integration keeps the token it has."""
    migration = importlib.import_module("demandloop.org.migrations.0012_api_tokens")
    dispatcher = world.person("J:dispatcher")
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's kind: 40 hexadecimal characters
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {quote(migration.LEGACY_TABLE)} ({quote('key')} varchar(40) PRIMARY KEY, "
            f"{quote('created')} timestamp NOT NULL, {quote('user_id')} integer NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {quote(migration.LEGACY_TABLE)} VALUES (%s, %s, %s)",
            [old_key, timezone.now() - timedelta(days=200), dispatcher.pk],
        )
    ContentType.objects.get_or_create(app_label="authtoken", model="token")

    migration.move_plain_tokens(django_apps, SimpleNamespace(connection=connection))

    assert migration.LEGACY_TABLE not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    moved = ApiToken.objects.get(user=dispatcher)
    assert moved.name == "升级前签发的接口令牌" and moved.expiry is None
    assert timedelta(days=199) < timezone.now() - moved.created < timedelta(days=201)
    assert old_key not in stored_text(moved)
    assert call_api(old_key).status_code == 200


def test_the_operator_issues_a_token_at_the_command_line_and_lists_them_without_it(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("security", "token", "J-dispatcher", purpose="12345 对接", days=180, stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("dl_") and "J-dispatcher" in err.getvalue() and "只显示这一次" in err.getvalue()
    assert call_api(key).status_code == 200

    listed = io.StringIO()
    call_command("security", "tokens", stdout=listed)
    rows = [json.loads(line) for line in listed.getvalue().splitlines()]
    assert [(r["username"], r["purpose"], r["expired"]) for r in rows] == [
        ("J-dispatcher", "12345 对接", False)
    ]
    assert key not in listed.getvalue()

    with pytest.raises(CommandError, match="用途"):
        call_command("security", "token", "J-dispatcher", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="没有账号 nobody"):
        call_command("security", "token", "nobody", purpose="x", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_schema_names_the_token_scheme(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["in"] == "header" and scheme["name"] == "Authorization" and "Token" in scheme["description"]


def test_the_keepers_of_a_token_hear_two_weeks_and_three_days_before_it_expires(
    world, sysadmin, secadmin, make_user
):
    from demandloop.integrations.models import Notification

    other_district = make_user("N-secadmin", R.SECADMIN, world.districts["N"].district)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, _key = tokens.do_issue_token(None, world.person("J:dispatcher"), "12345 工单对接", 30)
        tokens.do_issue_token(None, world.person("J:dispatcher"), "长期对接", 0)
        assert tokens.notice_expiring() == 0

    def heard() -> list[tuple[str, str, str]]:
        rows = Notification.objects.filter(topic="api_token").order_by("pk")
        return [(n.user.username, n.subject, n.link) for n in rows]

    with time_machine.travel(start + timedelta(days=17), tick=False):
        assert tokens.notice_expiring() == 1
        assert tokens.notice_expiring() == 1, "a second round tells nobody again"
    date = timezone.localtime(token.expiry).strftime("%Y-%m-%d %H:%M")
    subject = f"接口令牌“12345 工单对接”将于 {date} 到期"
    assert heard() == [("sysadmin", subject, "/admin/org/apitoken/"), ("secadmin", subject, "/security/")]
    assert other_district.username not in {who for who, _s, _l in heard()}
    body = Notification.objects.filter(topic="api_token").first().body
    assert token.token_key in body and "J-dispatcher" in body and "签发新令牌" in body

    with time_machine.travel(start + timedelta(days=28), tick=False):
        tokens.notice_expiring()
    assert len(heard()) == 4, "and once more in the last three days"
    with time_machine.travel(start + timedelta(days=31), tick=False):
        assert tokens.notice_expiring() == 0
    assert ("token-expiry-notice", 3600, "demandloop.org.tokens.notice_expiring") in (
        django_settings.DEMANDLOOP_PERIODIC_TASKS
    )


def test_what_an_integration_does_is_audited_with_the_token_it_used(world, make_user):
    dispatcher = world.person("J:dispatcher")
    token, key = tokens.do_issue_token(None, dispatcher, "12345 工单对接", 90)
    demand = world.demand("J1")
    urged = Client().post(
        "/api/v1/supervisions/",
        {"demand": demand.pk, "note": "请尽快答复企业"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert urged.status_code == 201, urged.content
    row = AuditEvent.objects.filter(user=dispatcher).order_by("-pk").first()
    assert row is not None and row.action == "meetings.supervise"
    assert row.detail["api_token"] == token.token_key and key not in json.dumps(row.detail)
    auditor = signed_in(make_user("shenji", R.AUDITOR))
    trail = auditor.get(reverse("audit_trail")).content.decode()
    assert f"经接口令牌 {token.token_key}…" in trail, "the auditor sees which integration's token acted"
    signed_in(dispatcher).post(
        "/api/v1/supervisions/", {"demand": demand.pk, "note": "再次督办"}, content_type="application/json"
    )
    by_session = AuditEvent.objects.filter(user=dispatcher).order_by("-pk").first()
    assert by_session is not None and by_session.pk != row.pk and "api_token" not in by_session.detail
