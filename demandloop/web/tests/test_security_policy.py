"""The security administrator's policy (三权分立) and where the platform applies it: sign-in lockout, password
rules, expiry and resets, idle sessions — and the page where the security administrator keeps them."""

from __future__ import annotations

import importlib
import re
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.urls import reverse
from django.utils import timezone

from demandloop.core.models import AuditEvent
from demandloop.org import security
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import SecurityPolicy, SignedInSession, User
from demandloop.org.sessions import SessionStore, clear_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(make_user: Any) -> Any:
    """The deployment's security administrator: no district, every account."""
    return make_user("secadmin", R.SECADMIN, full_name="安全员甲")


def sign_in(client: Any, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def set_policy(**values: Any) -> SecurityPolicy:
    policy = SecurityPolicy.current()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def actions_of(username: str) -> list[str]:
    return list(AuditEvent.objects.filter(username=username).order_by("pk").values_list("action", flat=True))


# --- Sign-in lockout ----------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_until_the_time_the_page_names(world, client):
    for _ in range(4):
        refused = sign_in(client, "J-officer1", "wrong")
        assert refused.status_code == 200 and "用户名或密码不正确" in refused.content.decode()
    locked = sign_in(client, "J-officer1", "wrong")
    assert locked.status_code == 429
    text = locked.content.decode()
    opens = (timezone.localtime() + timedelta(minutes=30)).strftime("%Y-%m-%d %H:")
    assert "连续登录失败 5 次，账号已锁定至" in text and opens in text, text
    # Locked means locked: the right password is refused too, and said so.
    right = sign_in(client, "J-officer1", "pw-J-officer1")
    assert right.status_code == 429 and "账号已锁定" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # The fifth failure and the refused attempt: each a failed sign-in and a lockout on the audit trail.
    assert sorted(actions_of("J-officer1")) == ["auth.locked_out"] * 2 + ["auth.login_failed"] * 6
    # Other accounts are not affected (counted per user name, not per address).
    assert sign_in(client, "J-officer2", "pw-J-officer2").status_code == 302


def test_the_lock_opens_by_itself_after_the_lockout_and_a_success_clears_the_count(world, client):
    for _ in range(5):
        sign_in(client, "J-officer1", "wrong")
    assert sign_in(client, "J-officer1", "pw-J-officer1").status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert sign_in(client, "J-officer1", "pw-J-officer1").status_code == 302
        client.logout()
        # The success cleared the count: four more failures do not lock.
        for _ in range(4):
            sign_in(client, "J-officer1", "wrong")
        assert sign_in(client, "J-officer1", "pw-J-officer1").status_code == 302


def test_a_lockout_of_zero_minutes_lasts_until_the_security_administrator_unlocks(world, client, secadmin):
    set_policy(lockout_minutes=0, failure_limit=3)
    for _ in range(3):
        last = sign_in(client, "J-hub", "wrong")
    assert last.status_code == 429
    assert "请联系安全管理员解锁" in last.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert sign_in(client, "J-hub", "pw-J-hub").status_code == 429
        admin = client.__class__()
        admin.force_login(secadmin)
        page = admin.get(reverse("security")).content.decode()
        row = page[page.index('data-username="J-hub"') :]
        assert 'data-locked="1"' in page and "直至解锁" in row[: row.index("</tr>")]
        unlocked = admin.post(reverse("security_unlock"), {"username": "J-hub"}, follow=True)
        assert "J-hub 已解锁" in unlocked.content.decode()
        assert sign_in(client, "J-hub", "pw-J-hub").status_code == 302
    unlock = AuditEvent.objects.get(action="security.unlock")
    assert unlock.username == "secadmin" and unlock.detail["username"] == "J-hub"
    assert unlock.object_id == str(world.person("J:hub").pk)


def test_the_security_page_lists_failed_sign_ins_and_guessed_names(world, client, secadmin):
    sign_in(client, "J-officer2", "wrong")
    for _ in range(5):
        sign_in(client, "nobody-here", "wrong")
    client.force_login(secadmin)
    page = client.get(reverse("security")).content.decode()
    table = page[page.index('id="lock-rows"') :]
    # Locked first, then the rest; a name without an account says so.
    assert table.index('data-username="nobody-here"') < table.index('data-username="J-officer2"')
    assert 'data-username="nobody-here" data-locked="1"' in table
    assert 'data-username="J-officer2" data-locked="0"' in table
    assert "无此账号" in table and "计数中" in table and "127.0.0.1" in table


def test_the_security_administrators_of_the_account_hear_of_a_lock_once(world, client, secadmin, make_user):
    from demandloop.integrations.models import Notification

    nankai_secadmin = make_user("n-secadmin", R.SECADMIN, world.districts["N"].district)
    jinghai_secadmin = make_user("j-secadmin", R.SECADMIN, world.districts["J"].district)
    for _ in range(7):  # five to lock, two refused while locked
        sign_in(client, "J-officer1", "wrong")
    told = Notification.objects.filter(topic="security")
    assert sorted(n.user.username for n in told) == ["j-secadmin", "secadmin"], "not 南开's"
    notice = told.get(user=secadmin)
    assert notice.subject == "账号 J-officer1 已被锁定" and notice.link == reverse("security")
    assert "连续登录失败 5 次，账号已锁定至" in notice.body and "127.0.0.1" in notice.body
    # A guessed name is the deployment-wide administrator's business only.
    for _ in range(5):
        sign_in(client, "admin", "123456")
    assert told.filter(subject="账号 admin 已被锁定").get().user == secadmin
    assert not told.filter(user=nankai_secadmin).exists()
    # Their settings offer that topic, and staff's topics are not theirs.
    client.force_login(jinghai_secadmin)
    settings_page = client.get(reverse("message_settings")).content.decode()
    assert "账号锁定" in settings_page and "吹哨" not in settings_page
    client.force_login(world.person("J:officer1"))
    assert "账号锁定" not in client.get(reverse("message_settings")).content.decode()
    client.force_login(make_user("auditor", R.AUDITOR))
    assert "您的角色不接收通知" in client.get(reverse("message_settings")).content.decode()


# --- The policy ---------------------------------------------------------------------------------------------


def policy_form(**changes: Any) -> dict[str, Any]:
    policy = SecurityPolicy.current()
    values = {name: getattr(policy, name) for name in SecurityPolicy.SETTINGS}
    return {**values, "version": policy.version, **changes}


def test_the_security_administrator_changes_the_policy_and_the_auditor_can_read_what_changed(
    world, client, secadmin
):
    client.force_login(secadmin)
    page = client.get(reverse("security")).content.decode()
    assert "安全策略" in page and "默认值，从未修改" in page and 'id="policy-save"' in page
    saved = client.post(
        reverse("security_policy"), policy_form(failure_limit=3, idle_minutes=15), follow=True
    )
    assert "安全策略已保存：第 1 版" in saved.content.decode()
    policy = SecurityPolicy.current()
    assert (policy.failure_limit, policy.idle_minutes, policy.version) == (3, 15, 1)
    assert policy.updated_by == secadmin
    row = AuditEvent.objects.get(action="security.policy")
    assert row.detail == {"version": 1, "changes": {"failure_limit": [5, 3], "idle_minutes": [30, 15]}}
    client.post(reverse("security_policy"), policy_form(idle_minutes=20))
    history = client.get(reverse("security")).content.decode()
    history = history[history.index('id="policy-history"') :]
    assert history.index('data-version="2"') < history.index('data-version="1"'), "the latest first"
    assert "无操作自动退出（分钟）：15 → 20" in history and "连续登录失败锁定次数：5 → 3" in history
    assert "安全员甲" in history
    # Saving the same values again changes nothing, and raises no version.
    again = client.post(reverse("security_policy"), policy_form(), follow=True)
    assert "没有改动" in again.content.decode() and SecurityPolicy.current().version == 2
    # The new limit applies at once: three failures lock.
    other = client.__class__()
    for _ in range(3):
        last = sign_in(other, "J-officer1", "wrong")
    assert last.status_code == 429 and "连续登录失败 3 次" in last.content.decode()


def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_saved(world, client, secadmin):
    client.force_login(secadmin)
    refused = client.post(reverse("security_policy"), policy_form(failure_limit=2, min_length="十"))
    assert refused.status_code == 400
    text = refused.content.decode()
    failures = text[text.index("field-failure_limit") :]
    assert "确保该值大于或等于3" in failures[: failures.index("field-lockout_minutes")]
    length = text[text.index("field-min_length") :]
    assert "输入整数" in length[: length.index("field-char_classes")]
    assert not SecurityPolicy.objects.exists()
    # Below zero: the message names the policy's own lower bound (8), not the column's (0).
    refused = client.post(reverse("security_policy"), policy_form(min_length=-3)).content.decode()
    length = refused[refused.index("field-min_length") :]
    length = length[: length.index("field-char_classes")]
    assert "确保该值大于或等于8" in length and 'min="8"' in length and 'max="64"' in length
    assert not SecurityPolicy.objects.exists()


def test_a_save_over_a_newer_version_is_refused_not_overwritten(world, client, secadmin):
    client.force_login(secadmin)
    read = policy_form()
    set_policy(version=4, max_age_days=60)
    refused = client.post(reverse("security_policy"), {**read, "max_age_days": 180})
    assert refused.status_code == 409
    assert "已有人保存了第 4 版策略" in refused.content.decode()
    assert SecurityPolicy.current().max_age_days == 60


def test_a_district_security_administrator_reads_the_policy_and_manages_its_district_only(
    world, client, make_user
):
    nankai = world.districts["N"].district
    local = make_user("n-secadmin", R.SECADMIN, nankai)
    for name in ("J-officer1", "N-officer1"):
        for _ in range(5):
            sign_in(client, name, "wrong")
    client.force_login(local)
    page = client.get(reverse("security")).content.decode()
    assert 'id="policy-save"' not in page and "只有全平台的安全管理员可以修改策略" in page
    assert 'data-username="N-officer1"' in page and 'data-username="J-officer1"' not in page
    refused = client.post(reverse("security_policy"), policy_form(failure_limit=3))
    assert refused.status_code == 409 and not SecurityPolicy.objects.exists()
    other = client.post(reverse("security_unlock"), {"username": "J-officer1"}, follow=True)
    assert "J-officer1 没有需要清除的登录失败记录" in other.content.decode()
    not_mine = client.post(reverse("security_require_change"), {"username": "J-hub"})
    assert not_mine.status_code == 400 and "您管理的账号中没有 J-hub" in not_mine.content.decode()
    assert not User.objects.get(username="J-hub").must_change_password


# --- Passwords ----------------------------------------------------------------------------------------------


def change_password(client: Any, old: str, new: str) -> Any:
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_a_new_password_must_follow_the_policy_and_the_page_says_the_rule(world, client):
    officer = world.person("J:officer1")
    client.force_login(officer)
    form = client.get(reverse("password_change")).content.decode()
    assert "至少 10 个字符，且至少包含大写字母、小写字母、数字、符号中的 3 类" in form
    simple = change_password(client, "pw-J-officer1", "onlylowercaseletters")
    assert simple.status_code == 200
    assert "密码至少要包含大写字母、小写字母、数字、符号中的 3 类" in simple.content.decode()
    set_policy(min_length=14)
    short = change_password(client, "pw-J-officer1", "Jinghai-2026!")
    assert "密码太短：至少 14 个字符" in short.content.decode()
    assert change_password(client, "pw-J-officer1", "Jinghai-2026-new!").status_code == 302
    officer.refresh_from_db()
    assert officer.password_changed_at is not None and officer.check_password("Jinghai-2026-new!")


def test_none_of_the_last_passwords_comes_back(world, client):
    officer = world.person("J:officer1")
    client.force_login(officer)
    same = change_password(client, "pw-J-officer1", "pw-J-officer1")
    assert "新密码不能与最近 5 次使用过的密码相同" in same.content.decode(), "the current one is one of them"
    passwords = [f"Jinghai-2026-v{n}!" for n in range(6)]
    for old, new in zip(["pw-J-officer1", *passwords], passwords, strict=False):
        assert change_password(client, old, new).status_code == 302, new
    # The first is the sixth last now: allowed again; the second is among the last five.
    assert "新密码不能与最近 5 次" in change_password(client, passwords[-1], passwords[1]).content.decode()
    assert change_password(client, passwords[-1], passwords[0]).status_code == 302
    set_policy(history_count=0)
    assert change_password(client, passwords[0], passwords[0]).status_code == 302, "0: no rule"


def test_an_expired_password_is_changed_before_anything_else(world, client):
    officer = world.person("J:officer1")
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        client.force_login(officer)
        sent = client.get(reverse("workbench"), follow=True)
        assert sent.redirect_chain[-1][0] == reverse("password_change")
        assert "您的密码已超过 90 天未修改，请先设置新密码" in sent.content.decode()
        # htmx fragments are sent away by HX-Redirect, not swapped a page; the API answers in JSON.
        fragment = client.get(reverse("message_unread"), headers={"HX-Request": "true"})
        assert fragment.status_code == 204 and fragment["HX-Redirect"] == reverse("password_change")
        # On the change-password page itself its badge gets nothing: sent there again, the page would reload
        # for ever.
        on_the_page = client.get(
            reverse("message_unread"),
            headers={
                "HX-Request": "true",
                "HX-Current-URL": f"http://testserver{reverse('password_change')}",
            },
        )
        assert on_the_page.status_code == 204 and "HX-Redirect" not in on_the_page
        page = client.get(reverse("password_change")).content.decode()
        assert page.count("请先设置新密码") == 1, "said once, not once more per fragment"
        api = client.get("/api/v1/demands/")
        assert api.status_code == 403 and "请先设置新密码" in api.json()["detail"]
        assert change_password(client, "pw-J-officer1", "Jinghai-2026-new!").status_code == 302
        assert client.get(reverse("workbench")).status_code == 200


def test_a_password_close_to_expiry_is_warned_of_once_a_session(world, client):
    officer = world.person("J:officer1")
    with time_machine.travel(timezone.now() + timedelta(days=85), tick=False):
        client.force_login(officer)
        first = client.get(reverse("workbench")).content.decode()
        assert "您的密码将于" in first and "到期" in first
        assert "您的密码将于" not in client.get(reverse("workbench")).content.decode()


def test_passwords_do_not_expire_when_the_policy_says_zero(world, client):
    set_policy(max_age_days=0)
    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        client.force_login(world.person("J:officer1"))
        assert client.get(reverse("workbench")).status_code == 200


def test_the_security_administrator_makes_an_account_choose_a_new_password(world, client, secadmin):
    officer = world.person("J:officer1")
    client.force_login(officer)
    assert client.get(reverse("workbench")).status_code == 200
    admin = client.__class__()
    admin.force_login(secadmin)
    done = admin.post(reverse("security_require_change"), {"username": "J-officer1"}, follow=True)
    text = done.content.decode()
    assert "J-officer1 打开下一个页面时须设置新密码" in text
    due = text[text.index('id="due-rows"') :]
    assert 'data-username="J-officer1"' in due and "已重置" in due
    # The officer, already signed in, is sent to the change-password page at once.
    sent = client.get(reverse("workbench"), follow=True)
    assert sent.redirect_chain[-1][0] == reverse("password_change")
    assert "管理员设置或重置了您的密码" in sent.content.decode()
    assert change_password(client, "pw-J-officer1", "Jinghai-2026-new!").status_code == 302
    officer.refresh_from_db()
    assert not officer.must_change_password
    assert client.get(reverse("workbench")).status_code == 200
    after = admin.get(reverse("security")).content.decode()
    assert 'data-username="J-officer1"' not in after[after.index('id="due-rows"') :]
    assert AuditEvent.objects.filter(action="security.require_change", object_id=str(officer.pk)).exists()
    unknown = admin.post(reverse("security_require_change"), {"username": "nobody"})
    assert unknown.status_code == 400 and "您管理的账号中没有 nobody" in unknown.content.decode()


def test_an_account_without_a_password_is_not_listed_as_having_to_change_it(
    world, client, secadmin, make_user
):
    """An integration's account calls the API with a token: a password it does not have cannot expire."""
    set_policy(max_age_days=90)
    integration = make_user("J-integration", R.DISPATCHER, world.districts["J"].district)
    integration.set_unusable_password()
    integration.save()
    old = timezone.now() - timedelta(days=200)
    User.objects.filter(pk__in=[integration.pk, world.person("J:officer2").pk]).update(
        date_joined=old, password_changed_at=None
    )
    client.force_login(secadmin)
    page = client.get(reverse("security")).content.decode()
    due = page[page.index('id="due-rows"') :]
    assert 'data-username="J-officer2"' in due and "已过期" in due
    assert 'data-username="J-integration"' not in due


# --- Open sessions ------------------------------------------------------------------------------------------


def test_the_security_administrator_sees_who_is_signed_in_and_signs_a_session_out(
    world, client, secadmin, make_user
):
    officer = client.__class__(
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/120", REMOTE_ADDR="10.1.2.3"
    )
    assert sign_in(officer, "J-officer1", "pw-J-officer1").status_code == 302
    hub = client.__class__(REMOTE_ADDR="10.9.9.9")
    assert sign_in(hub, "N-hub", "pw-N-hub").status_code == 302
    assert sign_in(client, "secadmin", "pw-secadmin").status_code == 302

    page = client.get(reverse("security")).content.decode()
    table = page[page.index('id="session-rows"') :]
    row = table[table.index('data-username="J-officer1"') :]
    row = row[: row.index("</tr>")]
    assert "10.1.2.3" in row and "Windows NT 10.0" in row and "J官一" in row
    assert 'data-username="N-hub"' in table
    mine = table[table.index('data-username="secadmin"') :]
    assert "当前会话" in mine[: mine.index("</tr>")], "one's own session: no button"
    assert officer.session.session_key not in page, "sessions are named by a keyed hash, never their key"

    ref = re.search(r'data-username="J-officer1".*?name="session" value="([0-9a-f]+)"', table, re.S).group(1)
    ended = client.post(reverse("security_end_session"), {"session": ref}, follow=True)
    assert "J-officer1 的会话已强制下线" in ended.content.decode()
    assert officer.get(reverse("workbench"))["Location"].startswith(reverse("login"))
    assert hub.get(reverse("hub")).status_code == 200, "the others stay signed in"
    row = AuditEvent.objects.get(action="security.end_session")
    assert row.detail == {"username": "J-officer1", "address": "10.1.2.3"}
    again = client.post(reverse("security_end_session"), {"session": ref}, follow=True)
    assert "该会话已结束" in again.content.decode()

    # A district's security administrator sees its district's people only.
    local = client.__class__()
    local.force_login(make_user("n-secadmin", R.SECADMIN, world.districts["N"].district))
    listed = local.get(reverse("security")).content.decode()
    listed = listed[listed.index('id="session-rows"') :]
    assert 'data-username="N-hub"' in listed and 'data-username="secadmin"' not in listed


# --- Sessions per account -----------------------------------------------------------------------------------


def test_past_the_sessions_an_account_may_have_a_new_sign_in_ends_the_least_recently_used(world, client):
    """等保: the policy limits an account's concurrent sessions. The browser whose session ended is told why and
    from where the account was signed in; the audit trail says how many ended."""
    set_policy(max_sessions=2)
    office, laptop, phone = (
        client.__class__(REMOTE_ADDR=address) for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3")
    )
    for browser in (office, laptop):
        assert sign_in(browser, "J-officer1", "pw-J-officer1").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert office.get(reverse("workbench")).status_code == 200  # the office is used; the laptop is not
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert sign_in(phone, "J-officer1", "pw-J-officer1").status_code == 302
        assert office.get(reverse("workbench")).status_code == 200, "within the limit: kept"
        assert phone.get(reverse("workbench")).status_code == 200
        ended = laptop.get(reverse("workbench"), follow=True)
    assert ended.redirect_chain[-1][0].startswith(reverse("login"))
    assert (
        "您的账号已在别处（10.0.0.3）登录，此处已退出。如非本人操作，请登录后立即修改密码。"
        in ended.content.decode()
    )
    again = laptop.get(reverse("login")).content.decode()
    assert "已在别处" not in again, "said once"
    row = AuditEvent.objects.get(action="auth.signed_in_elsewhere")
    assert (row.username, row.detail, row.address) == ("J-officer1", {"ended": 1, "limit": 2}, "10.0.0.3")
    assert SignedInSession.objects.filter(user=world.person("J:officer1")).count() == 2


def test_signing_in_says_when_and_from_where_the_account_last_signed_in(world, client):
    first = client.__class__(REMOTE_ADDR="10.0.0.7")
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 30, 9, 12)), tick=False):
        assert sign_in(first, "J-officer1", "pw-J-officer1").status_code == 302
    page = first.get(reverse("workbench")).content.decode()
    assert "上次登录" not in page, "the first sign-in has none before it"
    second = client.__class__(REMOTE_ADDR="10.0.0.8")
    assert sign_in(second, "J-officer1", "pw-J-officer1").status_code == 302
    page = second.get(reverse("workbench")).content.decode()
    assert "上次登录：2026-11-30 09:12，来自 10.0.0.7。如非本人操作，请立即修改密码。" in page
    assert "上次登录" not in second.get(reverse("workbench")).content.decode(), "said once"


def test_without_a_limit_every_sign_in_keeps_its_session(world, client):
    assert SecurityPolicy.current().max_sessions == 0, "the default: no limit"
    browsers = [client.__class__() for _n in range(4)]
    for browser in browsers:
        assert sign_in(browser, "J-officer1", "pw-J-officer1").status_code == 302
    assert all(browser.get(reverse("workbench")).status_code == 200 for browser in browsers)
    assert not AuditEvent.objects.filter(action="auth.signed_in_elsewhere").exists()


def test_a_limit_of_one_signs_the_earlier_browser_out_also_from_the_api(world, client):
    set_policy(max_sessions=1)
    first, second = client.__class__(), client.__class__()
    assert sign_in(first, "J-hub", "pw-J-hub").status_code == 302
    assert first.get("/api/v1/demands/").status_code == 200
    assert sign_in(second, "J-hub", "pw-J-hub").status_code == 302
    assert first.get("/api/v1/demands/").status_code in {401, 403}
    assert second.get("/api/v1/demands/").status_code == 200


def own_session_rows(page: str) -> list[str]:
    listed = page[page.index('id="own-session-rows"') :]
    return re.findall(
        r'<li class="list-group-item[^"]*"( data-current="1")?', listed[: listed.index("</ul>")]
    )


def test_a_person_sees_where_they_are_signed_in_and_signs_the_other_sessions_out(world, client):
    home = client.__class__(REMOTE_ADDR="10.0.0.21", HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Edge/120")
    office = client.__class__(REMOTE_ADDR="10.0.0.22")
    shared = client.__class__(REMOTE_ADDR="10.0.0.23")
    for browser in (home, office, shared):
        assert sign_in(browser, "J-officer1", "pw-J-officer1").status_code == 302
    other = client.__class__()
    assert sign_in(other, "J-officer2", "pw-J-officer2").status_code == 302

    page = office.get(reverse("password_change")).content.decode()
    assert len(own_session_rows(page)) == 3 and own_session_rows(page).count(' data-current="1"') == 1
    assert "10.0.0.21 · " in page and "Edge/120" in page and "10.0.0.23" in page
    ref = re.search(r'10\.0\.0\.23.*?name="session" value="([0-9a-f]+)"', page, re.S).group(1)

    ended = office.post(reverse("account_sessions_end"), {"session": ref}, follow=True)
    assert "已退出 1 处其他登录" in ended.content.decode()
    assert shared.get(reverse("workbench"))["Location"].startswith(reverse("login"))
    assert home.get(reverse("workbench")).status_code == 200
    row = AuditEvent.objects.get(action="auth.end_own_sessions")
    assert (row.username, row.detail) == ("J-officer1", {"ended": 1})

    # Another person's session cannot be named here, and signing out "every other" spares this one and theirs.
    alone = other.get(reverse("password_change")).content.decode()
    assert 'name="session"' not in alone, "a single session: nothing to sign out"
    theirs = security._session_ref(other.session.session_key)
    refused = office.post(reverse("account_sessions_end"), {"session": theirs}, follow=True)
    assert "该会话已结束，或不在您的管理范围内。" in refused.content.decode()
    assert other.get(reverse("workbench")).status_code == 200
    everyone = office.post(reverse("account_sessions_end"), {"session": "others"}, follow=True)
    assert "已退出 1 处其他登录" in everyone.content.decode()
    assert home.get(reverse("workbench"))["Location"].startswith(reverse("login"))
    assert office.get(reverse("workbench")).status_code == 200, "this session stays"
    assert other.get(reverse("workbench")).status_code == 200, "another person's session is not touched"
    nothing = office.post(reverse("account_sessions_end"), {"session": "others"}, follow=True)
    assert "您没有其他登录中的会话。" in nothing.content.decode()


# --- Idle sessions ------------------------------------------------------------------------------------------


def test_an_idle_session_ends_and_the_sign_in_page_brings_the_person_back(world, client):
    set_policy(idle_minutes=20)
    client.force_login(world.person("J:officer1"))
    start = timezone.now()
    assert client.get(reverse("workbench")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        assert client.get(reverse("workbench")).status_code == 200, "activity keeps the session"
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert client.get(reverse("workbench")).status_code == 200, "15 minutes since the last request"
    with time_machine.travel(start + timedelta(minutes=51), tick=False):
        ended = client.get(reverse("workbench"))
        assert ended.status_code == 302
        assert ended["Location"] == reverse("login") + "?next=" + reverse("workbench").replace("/", "%2F")
        page = client.get(ended["Location"]).content.decode()
        assert "您已超过 20 分钟未操作，已自动退出，请重新登录" in page
        assert "_auth_user_id" not in client.session
    assert actions_of("J-officer1")[-1] == "auth.logout"


# --- The admin: 三权分立 and passwords an administrator sets ----------------------------------------------------


def test_an_administrator_set_password_must_be_changed_and_admin_roles_stand_alone(world, client, make_user):
    sysadmin = make_user("sysadmin", R.SYSADMIN, is_staff=True)
    sysadmin.is_superuser = True
    sysadmin.save()
    client.force_login(sysadmin)
    jinghai = world.districts["J"].district
    added = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "new-officer",
            "full_name": "新同事",
            "usable_password": "true",
            "password1": "Jinghai-2026-first!",
            "password2": "Jinghai-2026-first!",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-role": R.OFFICER,
            "memberships-0-district": jinghai.pk,
            "memberships-0-is_active": "on",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    person = User.objects.get(username="new-officer")
    assert person.must_change_password and person.password_changed_at is not None
    officer = world.person("J:officer2")
    reset = client.post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {"password1": "Jinghai-2026-reset!", "password2": "Jinghai-2026-reset!"},
    )
    assert reset.status_code == 302
    officer.refresh_from_db()
    assert officer.must_change_password and officer.check_password("Jinghai-2026-reset!")
    both = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "two-hats",
            "usable_password": "true",
            "password1": "Jinghai-2026-first!",
            "password2": "Jinghai-2026-first!",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-role": R.SECADMIN,
            "memberships-0-is_active": "on",
            "memberships-1-role": R.HUB,
            "memberships-1-district": jinghai.pk,
            "memberships-1-is_active": "on",
        },
    )
    assert both.status_code == 200
    assert "三权分立" in both.content.decode() and not User.objects.filter(username="two-hats").exists()


# --- The command line -----------------------------------------------------------------------------------------


def test_the_operator_unlocks_the_only_security_administrator_from_the_command_line(world, client, secadmin):
    import io

    from django.core.management import CommandError, call_command

    set_policy(lockout_minutes=0)
    for _ in range(5):
        sign_in(client, "secadmin", "wrong")
    assert sign_in(client, "secadmin", "pw-secadmin").status_code == 429
    out = io.StringIO()
    call_command("security", "unlock", "secadmin", stdout=out)
    assert "secadmin 已解锁" in out.getvalue()
    assert sign_in(client, "secadmin", "pw-secadmin").status_code == 302
    row = AuditEvent.objects.get(action="security.unlock")
    assert (row.role, row.username, row.detail["via"]) == ("system", "", "command")
    with pytest.raises(CommandError, match="secadmin 没有需要清除的登录失败记录"):
        call_command("security", "unlock", "secadmin")
    with pytest.raises(CommandError, match="policy, unlock"):
        call_command("security")
    shown = io.StringIO()
    call_command("security", "policy", stdout=shown)
    assert '"lockout_minutes": 0' in shown.getvalue() and '"failure_limit": 5' in shown.getvalue()


def _open_session(user: User, *, last_seen: float, expires_in: timedelta = timedelta(hours=8)) -> str:
    """A session of `user` as signing in leaves it, written straight to the table (many, quickly)."""
    store = SessionStore()
    key = store._get_new_session_key()
    data = {
        "_auth_user_id": str(user.pk),
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        security.SIGNED_IN_AT: last_seen,
        security.LAST_SEEN: last_seen,
        security.SIGNED_IN_FROM: "10.0.0.1",
    }
    SignedInSession.objects.create(
        session_key=key, session_data=store.encode(data), expire_date=timezone.now() + expires_in, user=user
    )
    return key


def test_every_open_session_in_reach_is_listed_however_many_others_are_signed_in(
    world, client, secadmin, make_user
):
    """The list once read only the latest 2,000 sessions of the deployment and kept those in reach: a district's
    security administrator of a busy deployment could miss its own people. It asks for their sessions now."""
    now = time.time()
    busy = world.person("N:hub")
    rows = []
    store = SessionStore()
    for _n in range(2100):
        data = {"_auth_user_id": str(busy.pk), security.LAST_SEEN: now}
        rows.append(
            SignedInSession(
                session_key=store._get_new_session_key(),
                session_data=store.encode(data),
                expire_date=timezone.now() + timedelta(hours=8),
                user=busy,
            )
        )
    SignedInSession.objects.bulk_create(rows)
    officer = world.person("J:officer1")
    _open_session(officer, last_seen=now - 60, expires_in=timedelta(hours=1))  # expires before all the others

    local = client.__class__()
    local.force_login(make_user("j-secadmin", R.SECADMIN, world.districts["J"].district))
    page = local.get(reverse("security")).content.decode()
    table = page[page.index('id="session-rows"') :]
    assert 'data-username="J-officer1"' in table
    assert 'data-username="N-hub"' not in table, "another district's people stay out of reach"

    # The deployment-wide administrator: all 2,103 counted, the 200 latest listed, the rest found by name.
    client.force_login(secadmin)
    page = client.get(reverse("security")).content.decode()
    assert re.search(r'id="session-count">2103<', page), "2,100 + the officer + the two administrators"
    table = page[page.index('id="session-rows"') :]
    assert len(re.findall(r'<tr data-username="', table)) == 200
    assert 'data-username="J-officer1"' not in table, "not among the 200 most recently active"
    assert "仅列出最近活动的 200 个；其余请按名称查找。" in page
    found = client.get(reverse("security"), {"who": "J官"}).content.decode()
    table = found[found.index('id="session-rows"') :]
    assert re.findall(r'<tr data-username="([^"]+)"', table) == ["J-officer1"], "by full name"
    assert 'id="session-count">1<' in found and 'value="J官"' in found
    none = client.get(reverse("security"), {"who": "没有这个人"}).content.decode()
    assert "没有与“没有这个人”相符的账号的在线会话。" in none


def test_the_session_table_names_the_account_and_sign_out_removes_the_row(world, client):
    assert sign_in(client, "J-officer1", "pw-J-officer1").status_code == 302
    row = SignedInSession.objects.get(session_key=client.session.session_key)
    assert row.user == world.person("J:officer1")
    assert row.get_decoded()["_auth_user_id"] == str(row.user_id)
    client.post(reverse("logout"))
    assert not SignedInSession.objects.filter(pk=row.pk).exists()
    assert not SignedInSession.objects.filter(user=world.person("J:officer1")).exists()


def test_ending_a_session_found_by_name_comes_back_to_the_same_search(world, client, secadmin):
    officer = client.__class__()
    assert sign_in(officer, "J-officer1", "pw-J-officer1").status_code == 302
    client.force_login(secadmin)
    page = client.get(reverse("security"), {"who": "J-officer1"}).content.decode()
    ref = re.search(r'name="session" value="([0-9a-f]+)"', page).group(1)
    ended = client.post(reverse("security_end_session"), {"session": ref, "who": "J-officer1"})
    assert ended["Location"] == reverse("security") + "?who=J-officer1#security-sessions"
    assert officer.get(reverse("workbench"))["Location"].startswith(reverse("login"))


def test_expired_sessions_are_cleared_by_the_periodic_task(world):
    now = time.time()
    gone = _open_session(world.person("J:officer1"), last_seen=now, expires_in=timedelta(seconds=-1))
    kept = _open_session(world.person("J:officer2"), last_seen=now)
    assert (
        "clear-sessions",
        3600,
        "demandloop.org.sessions.clear_expired",
    ) in settings.DEMANDLOOP_PERIODIC_TASKS
    clear_expired()
    assert list(SignedInSession.objects.filter(pk__in=[gone, kept]).values_list("pk", flat=True)) == [kept]


def test_the_upgrade_moves_open_sessions_with_their_account_and_leaves_expired_ones(world, client):
    """Migration org 0010: the sessions Django's own engine kept are moved to the new table, nobody is signed
    out; an expired one and one with no account (a visitor's) are not lost silently: the first is dropped as
    expired, the second moved without an account."""
    migration = importlib.import_module("demandloop.org.migrations.0010_signed_in_sessions")
    old_store = DjangoSessionStore()
    officer = world.person("J:officer1")
    open_key, visitor_key, expired_key = (old_store._get_new_session_key() for _n in range(3))
    later = timezone.now() + timedelta(hours=2)
    DjangoSession.objects.bulk_create(
        [
            DjangoSession(
                session_key=open_key,
                session_data=old_store.encode({"_auth_user_id": str(officer.pk), "k": 1}),
                expire_date=later,
            ),
            DjangoSession(
                session_key=visitor_key, session_data=old_store.encode({"k": 2}), expire_date=later
            ),
            DjangoSession(
                session_key=expired_key,
                session_data=old_store.encode({"_auth_user_id": str(officer.pk)}),
                expire_date=timezone.now() - timedelta(minutes=1),
            ),
        ]
    )
    migration.move_open_sessions(django_apps, None)
    assert not DjangoSession.objects.exists()
    moved = {
        row.session_key: row
        for row in SignedInSession.objects.filter(pk__in=[open_key, visitor_key, expired_key])
    }
    assert set(moved) == {open_key, visitor_key}
    assert moved[open_key].user_id == officer.pk and moved[visitor_key].user_id is None
    assert SessionStore(open_key).load() == {"_auth_user_id": str(officer.pk), "k": 1}, (
        "the new engine reads it"
    )
