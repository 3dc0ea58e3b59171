"""Two-factor sign-in: the policy names who must use an authenticator app; they set one up at their next sign-in,
then enter its code after the password; nothing else opens before; a lost phone is reset by the security
administrator (or the operator at the server)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demandloop.core.models import AuditEvent
from demandloop.org import tokens, two_factor
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import SecurityPolicy

pytestmark = pytest.mark.django_db


def set_two_factor(level: int) -> None:
    policy = SecurityPolicy.current()
    policy.two_factor = level
    policy.version += 1
    policy.save()


def sign_in(username: str) -> Client:
    browser = Client()
    signed = browser.post(reverse("login"), {"username": username, "password": f"pw-{username}"})
    assert signed.status_code == 302, "the password is right"
    return browser


def code_of(device: TOTPDevice) -> str:
    """The code the person's app shows now (the tests travel in time; django-otp reads the patched clock)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def past_the_second_step(client: Client, user: Any) -> None:
    """Sign `user` in with an authenticator whose code this session has already given."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(
        user=user, name="app", confirmed=True
    ).persistent_id
    session.save()


@pytest.fixture
def secadmin(make_user: Any) -> Any:
    return make_user("secadmin", R.SECADMIN, full_name="安全员甲")


def test_an_administrator_sets_up_an_authenticator_then_enters_its_code_at_every_sign_in(world, secadmin):
    set_two_factor(two_factor.ADMINISTRATORS)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        browser = sign_in("secadmin")
        sent = browser.get(reverse("security"))
        assert sent.status_code == 302 and sent["Location"].startswith(reverse("two_factor_set_up"))
        assert browser.get("/api/v1/demands/").status_code == 403, "nor does the API open with this session"

        page = browser.get(sent["Location"])
        text = page.content.decode()
        assert page.status_code == 200 and "<svg" in text and "设置双因素认证" in text
        assert 'href="/security/"' not in text and "修改密码" not in text, (
            "only sign-out until the step is done"
        )
        secret = re.search(r'id="two-factor-secret"[^>]*>([A-Z2-7 ]+)<', text)
        assert secret is not None and len(secret.group(1).replace(" ", "")) == 32
        device = TOTPDevice.objects.get(user=secadmin, confirmed=False)
        assert browser.get(reverse("two_factor_set_up")).content.decode().count(secret.group(1)) == 1, (
            "a reload shows the same key"
        )

        wrong = browser.post(reverse("two_factor_set_up"), {"code": "000000", "next": "/security/"})
        assert wrong.status_code == 400 and "验证码不正确或已过期" in wrong.content.decode()
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        done = browser.post(reverse("two_factor_set_up"), {"code": code_of(device), "next": "/security/"})
        assert done.status_code == 302 and done["Location"] == "/security/"
        assert browser.get(reverse("security")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        again = sign_in("secadmin")
        sent = again.get(reverse("security"))
        assert sent["Location"].startswith(reverse("two_factor_verify"))
        refused = again.post(reverse("two_factor_verify"), {"code": "123456", "next": "/security/"})
        assert refused.status_code == 400 and "验证码不正确或已过期" in refused.content.decode()
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        passed = again.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "/security/"})
        assert passed.status_code == 302 and passed["Location"] == "/security/"
        assert again.get(reverse("security")).status_code == 200

    actions = list(
        AuditEvent.objects.filter(username="secadmin").values_list("action", flat=True).order_by("pk")
    )
    assert [a for a in actions if a.startswith("auth.two_factor")] == [
        "auth.two_factor_enrolled",
        "auth.two_factor_failed",
        "auth.two_factor",
    ]


def test_a_wrong_code_makes_the_next_one_wait_and_a_code_is_not_taken_twice(world, secadmin):
    set_two_factor(two_factor.ADMINISTRATORS)
    device = TOTPDevice.objects.create(user=secadmin, name="app", confirmed=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        browser = sign_in("secadmin")
        browser.post(reverse("two_factor_verify"), {"code": "111111"})
        waiting = browser.post(reverse("two_factor_verify"), {"code": code_of(device)})
        assert waiting.status_code == 400 and "错误次数过多" in waiting.content.decode()
    with time_machine.travel(start + timedelta(seconds=3), tick=False):
        code = code_of(device)
        assert browser.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
        other = sign_in("secadmin")
        replay = other.post(reverse("two_factor_verify"), {"code": code})
        assert replay.status_code == 400, "the same code a second time is refused"


def test_who_is_asked_follows_the_policy_and_an_integration_token_is_never_asked(world, secadmin):
    officer, enterprise = world.person("J:officer1"), world.person("J:enterprise")
    assert sign_in(officer.username).get(reverse("workbench")).status_code == 200, "policy 0: nobody"

    set_two_factor(two_factor.ADMINISTRATORS)
    assert sign_in(officer.username).get(reverse("workbench")).status_code == 200, "policy 1: administrators"

    set_two_factor(two_factor.STAFF)
    sent = sign_in(officer.username).get(reverse("workbench"))
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("two_factor_set_up"))
    assert sign_in(enterprise.username).get("/portal/").status_code == 200, (
        "an enterprise's account is not staff"
    )

    _token, key = tokens.do_issue_token(None, world.person("J:dispatcher"), "12345 对接", 30)
    api = Client().get("/api/v1/demands/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200


def test_an_account_that_set_up_an_authenticator_uses_it_whatever_the_policy(world):
    officer = world.person("J:officer1")
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    sent = sign_in(officer.username).get(reverse("workbench"))
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("two_factor_verify"))


def test_the_security_administrator_resets_a_lost_authenticator_and_the_account_sets_up_a_new_one(
    world, secadmin, client
):
    set_two_factor(two_factor.STAFF)
    officer = world.person("J:officer1")
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    past_the_second_step(client, secadmin)
    page = client.get(reverse("security")).content.decode()
    assert 'id="authenticator-count">2<' in page

    refused = client.post(reverse("security_reset_two_factor"), {"reset-username": "nobody"})
    assert refused.status_code == 400 and "您管理的账号中没有 nobody" in refused.content.decode()
    done = client.post(
        reverse("security_reset_two_factor"), {"reset-username": officer.username}, follow=True
    )
    assert f"{officer.username} 的身份验证器已重置" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    reset = AuditEvent.objects.get(action=two_factor.RESET)
    assert reset.user == secadmin and reset.detail["username"] == officer.username

    sent = sign_in(officer.username).get(reverse("workbench"))
    assert sent["Location"].startswith(reverse("two_factor_set_up")), (
        "a new authenticator at the next sign-in"
    )
    again = client.post(reverse("security_reset_two_factor"), {"reset-username": officer.username})
    assert again.status_code == 400 and "没有可重置的身份验证器" in again.content.decode()


def test_the_operator_resets_the_only_security_administrators_authenticator(world, secadmin):
    TOTPDevice.objects.create(user=secadmin, name="app", confirmed=True)
    out = io.StringIO()
    call_command("security", "reset-two-factor", "secadmin", stdout=out)
    assert "secadmin 的身份验证器已重置" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=secadmin).exists()
    assert AuditEvent.objects.get(action=two_factor.RESET).detail["via"] == "command"
    with pytest.raises(CommandError, match="没有账号 nobody"):
        call_command("security", "reset-two-factor", "nobody", stdout=io.StringIO())


def test_the_audit_trail_names_each_step_in_chinese():
    from django.utils import translation

    from demandloop.web.views.audit import action_label

    with translation.override("zh-hans"):
        labels = [
            action_label(a)
            for a in (two_factor.ENROLLED, two_factor.VERIFIED, two_factor.FAILED, two_factor.RESET)
        ]
    assert all("." not in label and "_" not in label for label in labels), labels
    assert labels[0].endswith("设置身份验证器") and labels[3].endswith("重置账号的身份验证器")


def test_anyone_may_turn_it_on_from_the_password_page(world):
    officer = world.person("J:officer1")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        browser = sign_in(officer.username)
        page = browser.get(reverse("password_change")).content.decode()
        assert "未开启" in page and f'href="{reverse("two_factor_set_up")}"' in page
        set_up = browser.get(reverse("two_factor_set_up")).content.decode()
        assert 'href="/work/"' in set_up, "turned on by choice: the navigation stays"
        assert "设置后，您的账号登录时" in set_up, "not asked by the policy: told what it will do"
        device = TOTPDevice.objects.get(user=officer, confirmed=False)
        assert browser.post(reverse("two_factor_set_up"), {"code": code_of(device)}).status_code == 302
        assert "已开启" in browser.get(reverse("password_change")).content.decode()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        sent = sign_in(officer.username).get(reverse("workbench"))
    assert sent["Location"].startswith(reverse("two_factor_verify")), "from now on, at every sign-in"


def test_nobody_reads_or_adds_an_authenticator_in_the_administration_site(make_user):
    root = make_user("root", R.SYSADMIN, is_staff=True)
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    TOTPDevice.objects.create(user=root, name="app", confirmed=False)
    admin = Client()
    admin.force_login(root)
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 404
    assert "otp_totp" not in admin.get("/admin/").content.decode()


def test_the_security_administrator_chooses_who_in_words_and_the_history_says_it_in_words(
    world, secadmin, client
):
    from demandloop.web.tests.test_security_policy import policy_form

    past_the_second_step(client, secadmin)  # the policy chosen below asks it of administrators
    page = client.get(reverse("security")).content.decode()
    choice = page[
        page.index('name="two_factor"') - 80 : page.index("</select>", page.index('name="two_factor"'))
    ]
    assert "<select" in choice and "min=" not in choice
    assert "管理员账号（系统、安全、审计）" in choice and "全部工作人员账号（企业账号除外）" in choice
    saved = client.post(reverse("security_policy"), policy_form(two_factor=1), follow=True)
    assert "安全策略已保存：第 1 版" in saved.content.decode()
    history = client.get(reverse("security")).content.decode()
    assert "须双因素认证的账号：不要求 → 管理员账号（系统、安全、审计）" in history
    refused = client.post(reverse("security_policy"), policy_form(two_factor=3))
    assert refused.status_code == 400 and SecurityPolicy.current().two_factor == 1
