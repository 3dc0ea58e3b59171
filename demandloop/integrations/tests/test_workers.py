"""Both ways the background work runs: in-process without a broker, and a real Celery worker process on a real
Redis — which is killed with SIGKILL in the middle of deliveries, restarted, and still delivers every message
exactly once at the receiver by its idempotency key.

The Celery tests need Redis (REDIS_URL, default redis://127.0.0.1:6379/0) and a database a second process can
open (PostgreSQL in CI); they skip with the reason otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from demandloop.core.runner import BackgroundRunner
from demandloop.integrations.choices import ChannelChoices, DeliveryStatusChoices, TopicChoices
from demandloop.integrations.models import OutboxMessage, WebhookEndpoint
from demandloop.integrations.notify.outbox import Note, notify_endpoints

REPO = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_unreachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as error:
        return f"Redis is not reachable at {REDIS_URL}: {error}"
    return None


def shared_database_url() -> str | None:
    """The test database as a URL a worker process can use, or None (in-memory SQLite is this process's only)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return None


def robot_messages(district: Any, url: str, count: int) -> list[OutboxMessage]:
    endpoint = WebhookEndpoint.objects.create(
        district=district, name="政务服务办群", kind=ChannelChoices.WECOM, url=url
    )
    messages = []
    for n in range(count):
        messages += notify_endpoints([endpoint], Note(TopicChoices.REMINDER, f"提醒 {n}"), cause=f"test:{n}")
    return messages


# The runner closes stale connections between tasks, as it must in a long-lived thread: outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_embedded_runner_delivers_the_outbox_in_process(
    jinghai: Any, http_receiver: Any, settings: Any
) -> None:
    settings.CELERY_BROKER_URL = None
    messages = robot_messages(jinghai, f"{http_receiver.url}/robot", 3)

    runner = BackgroundRunner()
    ran = runner.run_due(time.monotonic())

    assert "deliver-outbox" in ran
    assert http_receiver.accepted == {m.key for m in messages}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {DeliveryStatusChoices.DELIVERED}


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_without_a_broker_runs_the_tasks_here(
    jinghai: Any, http_receiver: Any, settings: Any, capsys: Any
) -> None:
    settings.CELERY_BROKER_URL = None
    robot_messages(jinghai, f"{http_receiver.url}/robot", 2)

    call_command("worker", "--once")

    assert "deliver-outbox" in capsys.readouterr().out
    assert len(http_receiver.accepted) == 2


# --- A real Celery worker on a real Redis -------------------------------------------------------------------


class WorkerProcess:
    """`demandloop worker` (Celery worker + beat) in its own process group, on a queue of its own."""

    def __init__(self, database_url: str, queue: str, tmp: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DEMANDLOOP_CELERY_QUEUE": queue,
            # A message held by a killed worker comes back soon, on the broker and in the outbox.
            "DEMANDLOOP_CELERY_VISIBILITY_TIMEOUT": "5",
            "OUTBOX_CLAIM_SECONDS": "10",
            "DB_CONN_MAX_AGE": "0",
        }
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self, *options: str) -> None:
        """Start `demandloop worker` with `options` (e.g. --no-beat, --beat-only: the systemd units' split)."""
        self.runs += 1
        log = open(self.tmp / f"worker-{self.runs}.log", "wb")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "demandloop.cli",
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--schedule-file",
                str(self.tmp / "beat-schedule"),
                *options,
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker-*.log")))


@pytest.fixture
def celery_worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    reason = redis_unreachable()
    if reason:
        pytest.skip(reason)
    database_url = shared_database_url()
    if database_url is None:
        pytest.skip(
            "a Celery worker process needs a database it can open too (set DATABASE_URL to PostgreSQL)"
        )
    worker = WorkerProcess(database_url, f"demandloop-test-{uuid.uuid4().hex[:8]}", tmp_path)
    yield worker
    worker.stop()
    import redis

    redis.Redis.from_url(REDIS_URL).delete(worker.env["DEMANDLOOP_CELERY_QUEUE"])


def publish(messages: list[OutboxMessage], queue: str) -> None:
    """What `schedule_delivery` does after commit, from this test process to the worker's queue."""
    from celery import Celery

    producer = Celery("test-producer", broker=REDIS_URL)
    for message in messages:
        producer.send_task("demandloop.deliver_outbox_message", args=[message.pk], queue=queue)
    producer.close()


def wait_for(condition: Any, timeout: float, worker: WorkerProcess, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log()}")


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboxMessage.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_delivers_through_redis(celery_worker: WorkerProcess, http_receiver: Any) -> None:
    from demandloop.org.presets import load_preset

    district = load_preset("jinghai").district
    messages = robot_messages(district, f"{http_receiver.url}/robot", 5)

    celery_worker.start()
    publish(messages, celery_worker.env["DEMANDLOOP_CELERY_QUEUE"])

    wait_for(lambda: statuses() == {"delivered": 5}, 90, celery_worker, "five deliveries")
    assert http_receiver.accepted == {m.key for m in messages}
    assert sum(http_receiver.keys.values()) == 5


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    celery_worker: WorkerProcess, http_receiver: Any
) -> None:
    from demandloop.org.presets import load_preset

    total = 40
    district = load_preset("jinghai").district
    # A slow receiver, so that the kill lands while messages are on their way.
    http_receiver.delay = 0.25
    messages = robot_messages(district, f"{http_receiver.url}/robot", total)

    celery_worker.start()
    publish(messages, celery_worker.env["DEMANDLOOP_CELERY_QUEUE"])
    wait_for(lambda: len(http_receiver.accepted) >= 6, 90, celery_worker, "the first deliveries")
    celery_worker.kill()

    received_before_restart = len(http_receiver.accepted)
    assert received_before_restart < total, "the worker was killed only after it had finished"
    assert statuses().get("delivered", 0) < total

    celery_worker.start()
    wait_for(
        lambda: statuses() == {"delivered": total}, 180, celery_worker, "every delivery after the restart"
    )

    # Every message reached the receiver, and by its key each counts once: no loss, no double effect.
    assert http_receiver.accepted == {m.key for m in messages}
    assert len(http_receiver.accepted) == total == OutboxMessage.objects.filter(status="delivered").count()
    # Requests beyond one per key are the repeats the key makes harmless (sent, then killed before recording).
    assert sum(http_receiver.keys.values()) - total <= 2 * 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_beat_and_workers_without_beat_deliver_as_the_systemd_units_run_them(
    celery_worker: WorkerProcess, http_receiver: Any, tmp_path: Path
) -> None:
    """deploy/systemd/: `demandloop worker --beat-only` once in the deployment, `--no-beat` on every node. Nothing
    is handed to the worker here: the outbox round that beat sends every 10 seconds finds the messages."""
    from demandloop.org.presets import load_preset

    district = load_preset("jinghai").district
    messages = robot_messages(district, f"{http_receiver.url}/robot", 3)
    beat_folder = tmp_path / "beat"
    beat_folder.mkdir()
    beat = WorkerProcess(
        celery_worker.env["DATABASE_URL"], celery_worker.env["DEMANDLOOP_CELERY_QUEUE"], beat_folder
    )
    celery_worker.start("--no-beat")
    beat.start("--beat-only")
    try:
        wait_for(lambda: statuses() == {"delivered": 3}, 90, celery_worker, "the deliveries beat schedules")
        assert "beat: Starting" in beat.log() and "beat: Starting" not in celery_worker.log()
    finally:
        beat.stop()
    assert http_receiver.accepted == {m.key for m in messages}
