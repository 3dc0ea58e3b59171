"""The production deployment of docs/deploy.md, started as the operator starts it: gunicorn with
deploy/gunicorn.conf.py and the production settings on its unix socket, Debian's nginx with
deploy/nginx/demandloop.conf in front (moved to free ports and a certificate made for the test), a browser's
requests over HTTPS. Also: the files of deploy/ agree with each other and with the settings, and
deploy/demandloop-admin runs a command with an environment file."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings

from demandloop.core.tests.console import CONSOLE_SCRIPT, console_env
from demandloop.integrations.testing import free_port

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def production_env(tmp_path: Path, database: Path, origin: str) -> dict[str, str]:
    return console_env(database, tmp_path / "var") | {
        "DEMANDLOOP_ENV": "production",
        "SECRET_KEY": "a-test-secret-key-of-the-deployment-test-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": origin,
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_BIND": f"unix:{tmp_path / 'gunicorn.sock'}",
        "GUNICORN_WORKERS": "2",
    }


def nginx_config(tmp_path: Path, http_port: int, https_port: int) -> Path:
    """deploy/nginx/demandloop.conf as it is, moved to this test's ports, socket and certificate, inside a main
    configuration of the test's own (its files and logs in `tmp_path`)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.crt")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "demandloop.conf").read_text()
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)  # IPv6 may be off in a container
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = site.replace("unix:/run/demandloop/gunicorn.sock", f"unix:{tmp_path / 'gunicorn.sock'}")
    site = site.replace("/etc/nginx/ssl/demandloop.crt", str(tmp_path / "tls.crt"))
    site = site.replace("/etc/nginx/ssl/demandloop.key", str(tmp_path / "tls.key"))
    (tmp_path / "site.conf").write_text(site)
    temp = {name: tmp_path / f"nginx-{name}" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        # As root (a container), the workers must reach the socket in a folder only root may enter.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'nginx-error.log'};\n"
        + "events {}\nhttp {\n"
        + f"  access_log {tmp_path / 'nginx-access.log'};\n"
        + "".join(f"  {name}_temp_path {folder};\n" for name, folder in temp.items())
        + f"  include {tmp_path / 'site.conf'};\n}}\n"
    )
    return main


class Client:
    """What a browser sends to nginx: HTTPS on the test's port, certificate not checked (made for the test)."""

    def __init__(self, http_port: int, https_port: int) -> None:
        self.http_port = http_port
        self.https_port = https_port

    def request(
        self, method: str, path: str, *, https: bool = True, body: str | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        if https:
            context = ssl._create_unverified_context()  # the test's own certificate
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.https_port, timeout=30, context=context
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content


def wait_for(condition: Any, what: str, log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start:\n{log.read_text() if log.exists() else ''}")
        time.sleep(0.2)


@pytest.fixture
def deployed(tmp_path: Path, migrated_sqlite: Path) -> Iterator[tuple[Client, Path, Path]]:
    """gunicorn with deploy/gunicorn.conf.py and the production settings, nginx with deploy/nginx/ in front."""
    database = tmp_path / "demandloop.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    http_port, https_port = free_port(), free_port()
    env = production_env(tmp_path, database, f"https://127.0.0.1:{https_port}")
    # What docs/deploy.md does before the first start: the static files, compressed and fingerprinted.
    collected = subprocess.run(
        [str(CONSOLE_SCRIPT), "collectstatic", "--noinput", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        web = subprocess.Popen(
            [str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py")],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proxy = subprocess.Popen(
        ["nginx", "-c", str(nginx_config(tmp_path, http_port, https_port))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = Client(http_port, https_port)
    try:
        wait_for(lambda: (tmp_path / "gunicorn.sock").exists(), "gunicorn", log, web)
        wait_for(
            lambda: client.request("GET", "/healthz")[0] == 200, "nginx", tmp_path / "nginx-error.log", proxy
        )
        yield client, database, log
    finally:
        for process in (proxy, web):
            process.terminate()
            process.wait(timeout=40)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (make test installs it)")
@pytest.mark.xdist_group("console-script")
def test_nginx_and_gunicorn_serve_the_platform_as_deployed(deployed: Any) -> None:
    client, database, log = deployed

    status, headers, body = client.request("GET", "/healthz")
    assert (status, body) == (200, b'{"status": "ok"}')

    # Plain HTTP is sent to HTTPS by nginx.
    status, headers, _body = client.request("GET", "/accounts/login/", https=False)
    assert status == 301 and headers["location"] == "https://127.0.0.1/accounts/login/"

    status, headers, body = client.request("GET", "/accounts/login/")
    page = body.decode()
    assert status == 200 and "<title>登录 · 有需必应" in page
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "server" not in headers or headers["server"] == "nginx", "no version said"
    cookie = headers["set-cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie

    # The static files: fingerprinted names, compressed, cached for a year.
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "collectstatic's fingerprinted names are in the page"
    status, headers, _body = client.request("GET", stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"] and "max-age=315360000" in headers["cache-control"]

    # A failed sign-in whose client claims another address: nginx says where it came from, and the audit trail
    # and gunicorn's log keep that.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    status, _headers, _body = client.request(
        "POST",
        "/accounts/login/",
        body=urlencode({"csrfmiddlewaretoken": token, "username": "nobody", "password": "guess-123456"}),
        **{
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"https://127.0.0.1:{client.https_port}/accounts/login/",
            "X-Real-IP": "10.9.9.9",
            "X-Forwarded-For": "10.9.9.9",
        },
    )
    assert status == 200, "the form again, with its error"
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT username, address, success FROM core_auditevent WHERE action = 'auth.login_failed'"
        ).fetchone()
    assert row == ("nobody", "127.0.0.1", 0)
    # gunicorn writes its access line once the answer has gone out: the client may read it first.
    line = '127.0.0.1 "POST /accounts/login/ HTTP/1.0" 200'
    deadline = time.monotonic() + 20
    while line not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert line in log.read_text()


def test_the_deployment_files_agree_with_each_other_and_with_the_settings() -> None:
    gunicorn_conf = (DEPLOY / "gunicorn.conf.py").read_text()
    nginx = (DEPLOY / "nginx" / "demandloop.conf").read_text()
    web = (DEPLOY / "systemd" / "demandloop-web.service").read_text()

    # One socket: gunicorn binds it in the folder the web unit makes, nginx connects to it.
    socket_path = re.search(r'"unix:(/run/[^"]+)"', gunicorn_conf).group(1)
    assert f"server unix:{socket_path} " in nginx
    assert f"RuntimeDirectory={Path(socket_path).parent.name}\n" in web
    # nginx hands on what the platform reads, and takes what it accepts.
    assert "proxy_set_header X-Real-IP $remote_addr;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    body_limit = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1)) * 1024 * 1024
    assert body_limit >= settings.ATTACHMENT_MAX_BYTES and body_limit >= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    timeout = re.search(r'GUNICORN_TIMEOUT", "(\d+)"', gunicorn_conf).group(1)
    assert f"proxy_read_timeout {timeout}s;" in nginx
    # Each unit starts what exists, with options the command has.
    worker_help = subprocess.run(
        [str(CONSOLE_SCRIPT), "worker", "--help"], capture_output=True, text=True, timeout=120
    ).stdout
    for unit in ("demandloop-web", "demandloop-worker", "demandloop-beat"):
        text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
        assert "EnvironmentFile=/etc/demandloop/demandloop.env" in text
        for option in re.findall(r"demandloop worker ([^'\n]+)", text):
            for flag in re.findall(r"--[a-z-]+", option):
                assert flag in worker_help, f"{unit}: demandloop worker has no {flag}"
    # Every variable of the environment template is one the settings or gunicorn's configuration read.
    read = (
        (REPO / "config" / "settings.py").read_text()
        + gunicorn_conf
        + (DEPLOY / "systemd" / "demandloop-worker.service").read_text()
    )
    template = (DEPLOY / "demandloop.env.example").read_text()
    names = re.findall(r"^([A-Z0-9_]+)=", template, re.M)
    assert len(names) > 20
    for name in names:
        assert f'"{name}"' in read or f"${{{name}" in read, (
            f"{name} of demandloop.env.example is read nowhere"
        )


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_reads_the_units_without_a_complaint(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units, their /srv/demandloop moved to this checkout (whose .venv holds the
    commands they start): an unknown key, a bad value or a command that is not there is a complaint."""
    for unit in (DEPLOY / "systemd").glob("*.service"):
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/demandloop", str(REPO)))
    units = sorted(str(path) for path in tmp_path.glob("*.service"))
    assert len(units) == 3
    result = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stderr.strip()) == (0, "")


@pytest.mark.xdist_group("console-script")
def test_demandloop_admin_runs_a_command_with_the_environment_file(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    database = tmp_path / "demandloop.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    env_file = tmp_path / "demandloop.env"
    env_file.write_text(
        "DEMANDLOOP_ENV=production\nSECRET_KEY=a-test-secret-key-of-the-deployment-test-0123456789\n"
        f"ALLOWED_HOSTS=127.0.0.1\nSQLITE_PATH={database}\nDEMANDLOOP_VAR_DIR={tmp_path / 'var'}\n"
    )
    admin = str(DEPLOY / "demandloop-admin")
    base = {key: value for key, value in console_env(database, tmp_path).items() if key != "SQLITE_PATH"}
    result = subprocess.run(
        [admin, "security", "policy"],
        env=base | {"DEMANDLOOP_ENV_FILE": str(env_file)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"min_length": 10' in result.stdout
    missing = subprocess.run(
        [admin, "migrate"],
        env=base | {"DEMANDLOOP_ENV_FILE": str(tmp_path / "none.env")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr
