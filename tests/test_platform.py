"""The platform comes up: pages and schema answer, production settings refuse to start without their secrets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEMANDLOOP_ENV"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = run_python(
        "import django; django.setup()", DEMANDLOOP_ENV="production", ALLOWED_HOSTS="example.gov.cn"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_it_refuses_to_start_in_production_without_allowed_hosts():
    result = run_python("import django; django.setup()", DEMANDLOOP_ENV="production", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set in production" in result.stderr


def test_it_starts_in_production_with_both_and_turns_debug_off():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.PASSWORD_HASHERS[0])",
        DEMANDLOOP_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "django.contrib.auth.hashers.Argon2PasswordHasher"]


def test_it_uses_sqlite_with_wal_by_default_and_postgres_when_database_url_says_so():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], 'journal_mode=WAL' in d['OPTIONS']['init_command'])",
        DATABASE_URL="",
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/demandloop",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_loading_the_urls_leaves_scikit_learn_to_the_code_that_learns():
    """Every web worker and every management command loads the URL configuration; scikit-learn (about 1.5 s to
    import) waits for the first clustering or training instead."""
    result = run_python(
        "import sys, django; django.setup(); import config.urls; "
        "print(sorted(m for m in ('sklearn', 'demandloop.routing.duplicates') if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['demandloop.routing.duplicates']", "the module loads, sklearn does not"


def test_it_runs_in_shanghai_time_and_chinese():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_the_login_page_answers_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "有需必应 · 企业诉求闭环服务平台" in body
    assert "用户名" in body and "密码" in body


@pytest.mark.django_db
def test_the_openapi_schema_and_docs_answer(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content
    # It tells an integrator, in Chinese, how to authenticate and what the answers mean.
    description = yaml.safe_load(response.content)["info"]["description"]
    assert "`Authorization: Token <令牌>`" in description and "409" in description
    response = client.get("/api/docs/")
    assert response.status_code == 200
    # The docs page loads Swagger UI from the platform itself, never from a CDN. The page also carries a random
    # CSRF token, so the check reads the addresses it loads rather than searching the whole page for "cdn".
    body = response.content.decode()
    loaded = re.findall(r'(?:src|href)="([^"]*)"', body) + re.findall(r'url: "([^"]*)"', body)
    assert any(address.startswith("/static/vendor/swagger-ui-dist/") for address in loaded)
    assert loaded and all(address.startswith("/") and not address.startswith("//") for address in loaded), (
        loaded
    )


@pytest.mark.django_db
def test_the_schema_is_generated_once_and_served_alike_in_each_format(client, monkeypatch, settings):
    import json
    from urllib.parse import unquote

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    from demandloop.core.schema import forget_schemas

    forget_schemas()
    generated = []
    generate = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        generated.append(self)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    rendered = []
    render = OpenApiYamlRenderer.render

    def counted_render(self, *args, **kwargs):
        rendered.append(self)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(OpenApiYamlRenderer, "render", counted_render)
    as_yaml = client.get("/api/schema/")
    as_json = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert len(generated) == 1, "the second request is served from the kept schema"
    schema = json.loads(as_json.content)
    assert yaml.safe_load(as_yaml.content) == schema and "/api/v1/demands/" in schema["paths"]
    assert as_yaml["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert as_json["Content-Type"] == "application/vnd.oai.openapi+json"
    # Named after the Chinese title the way browsers decode (RFC 6266), not MIME-encoded.
    disposition = as_yaml["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''"), disposition
    assert unquote(disposition.split("''", 1)[1]) == "有需必应 · 企业诉求闭环服务平台 API.yaml"
    # The rendered document is kept too: YAML is written once, then served as it was.
    again = client.get("/api/schema/")
    assert again.content == as_yaml.content and len(rendered) == 1
    # A setting the schema is not made of leaves it kept (the permission matrix overrides one for every person);
    # a change of what it is made of (a test's override, a reload) is a new schema.
    settings.DEMANDLOOP_CITY_PLATFORM_URL = "http://127.0.0.1:9/"
    client.get("/api/schema/")
    assert len(generated) == 1
    settings.SPECTACULAR_SETTINGS = {**settings.SPECTACULAR_SETTINGS, "TITLE": "另一个标题"}
    client.get("/api/schema/")
    assert len(generated) == 2


@pytest.mark.django_db
def test_the_admin_lists_both_districts_to_the_system_administrator(client, jinghai, nankai, make_user):
    admin = make_user("root", "sysadmin", None, is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.get("/admin/org/district/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "静海区" in body and "南开区" in body


@pytest.mark.django_db
def test_an_unknown_page_gets_the_chinese_404_without_details(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert "Traceback" not in body and "urlpatterns" not in body


@pytest.mark.django_db
def test_nothing_a_signed_in_person_was_shown_is_kept_in_a_cache(client, jinghai, make_user):
    hub = make_user("hub-cache", "hub", jinghai)
    anonymous = client.get("/accounts/login/")
    client.force_login(hub)
    for url in ("/hub/", "/api/v1/demands/", "/enterprises/", "/messages/"):
        response = client.get(url)
        assert response.status_code == 200, url
        control = response["Cache-Control"]
        assert "no-store" in control and "private" in control, (url, control)
    # The sign-in page is not cached either (Django's own never_cache); htmx keeps no page snapshots.
    assert "no-store" in anonymous["Cache-Control"]
    assert '"historyCacheSize": 0' in client.get("/hub/").content.decode()
