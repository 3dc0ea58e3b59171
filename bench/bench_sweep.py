"""The supervision sweep over 1,000,000 open demands on PostgreSQL (issue 5, DESIGN.md §4).

What it shows: with nothing due, one sweep costs one index probe (`deadlinewatch_due_idx`, partial on
`next_at IS NOT NULL`), whatever the number of open demands; with k watches due, its cost grows with k.

It needs PostgreSQL: `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/demandloop_bench_sweep), a
database it creates, migrates and fills itself — never the platform's own. `BENCH_SWEEP_OPEN` sets the number
of open demands (default 1,000,000). Run: `python -m bench.run sweep`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/demandloop_bench_sweep"


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DB_CONN_MAX_AGE"] = "0"
    import django

    django.setup()


def _ensure_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"],
        port=db["PORT"] or 5432,
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _fill(open_count: int) -> dict[str, Any]:
    """Reset the bench rows, then insert `open_count` open demands and one response watch each, in bulk SQL."""
    from django.db import connection, transaction
    from django.utils import timezone

    from demandloop.demands.models import Demand
    from demandloop.enterprises.models import Enterprise
    from demandloop.meetings.models import DeadlineWatch, Supervision
    from demandloop.org.presets import load_preset

    district = load_preset("jinghai").district
    area = district.areas.order_by("order", "code").first()
    enterprise, _created = Enterprise.objects.get_or_create(
        district=district,
        uscc="91120223MA05W0000B",
        defaults={"name": "基准测试企业", "area": area, "locality": area.locality},
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Supervision._meta.db_table}, {DeadlineWatch._meta.db_table}")
    existing = Demand.objects.filter(district=district, title="bench").count()
    if existing != open_count:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Demand._meta.db_table} WHERE title = 'bench'")
        template = Demand(
            district=district,
            channel="officer",
            source="visit",
            enterprise=enterprise,
            title="bench",
            content="bench",
            received_at=now,
            status="in_progress",
            tier=district.tiers.get(level=2),
            area=area,
            lead_department=district.departments.get(code="scjgj"),
            tier_entered_at=now,
            response_due=now + timedelta(days=30),
            status_changed_at=now,
        )
        columns, values = [], []
        for field in Demand._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(connection.ops.quote_name(field.column))
            values.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
        sql = (
            f"INSERT INTO {Demand._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(['%s'] * len(values))} FROM generate_series(1, %s)"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*values, open_count])
    # One response watch per open demand, its next step (the reminder) a day before a deadline 30 days out.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {DeadlineWatch._meta.db_table}
                (demand_id, district_id, clock, started_at, due, next_step, next_at)
                SELECT id, district_id, 'response', tier_entered_at, response_due, 'reminder',
                       response_due - interval '1 day'
                FROM {Demand._meta.db_table} WHERE title = 'bench'"""
        )
        cursor.execute(f"ANALYZE {Demand._meta.db_table}")
        cursor.execute(f"ANALYZE {DeadlineWatch._meta.db_table}")
    return {"district": district, "now": now}


def _make_due(count: int, now: Any) -> None:
    """Bring `count` watches due now: their demands' deadlines end today, so the reminder is owed."""
    from datetime import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    from demandloop.sla.calendar import END_OF_DAY, SHANGHAI

    due = datetime.combine(timezone.localdate(now), END_OF_DAY, tzinfo=SHANGHAI)

    from demandloop.demands.models import Demand
    from demandloop.meetings.models import DeadlineWatch

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""WITH picked AS (
                    SELECT id, demand_id FROM {DeadlineWatch._meta.db_table} ORDER BY id LIMIT %s)
                UPDATE {Demand._meta.db_table} d SET response_due = %s, tier_entered_at = %s
                FROM picked WHERE d.id = picked.demand_id""",
            [count, due, now - timedelta(days=3)],
        )
        cursor.execute(
            f"""WITH picked AS (SELECT id FROM {DeadlineWatch._meta.db_table} ORDER BY id LIMIT %s)
                UPDATE {DeadlineWatch._meta.db_table} w SET due = %s, started_at = %s, next_at = %s
                FROM picked WHERE w.id = picked.id""",
            [count, due, now - timedelta(days=3), now - timedelta(minutes=1)],
        )


def _reset_due(count: int, now: Any) -> None:
    from django.db import connection, transaction

    from demandloop.demands.models import Demand
    from demandloop.meetings.models import DeadlineWatch, Supervision

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Supervision._meta.db_table}")
        cursor.execute(
            f"""WITH picked AS (
                    SELECT id, demand_id FROM {DeadlineWatch._meta.db_table} ORDER BY id LIMIT %s)
                UPDATE {Demand._meta.db_table} d SET response_due = %s, tier_entered_at = %s
                FROM picked WHERE d.id = picked.demand_id""",
            [count, now + timedelta(days=30), now],
        )
        cursor.execute(
            f"""WITH picked AS (SELECT id FROM {DeadlineWatch._meta.db_table} ORDER BY id LIMIT %s)
                UPDATE {DeadlineWatch._meta.db_table} w
                SET due = %s, started_at = %s, next_step = 'reminder', next_at = %s
                FROM picked WHERE w.id = picked.id""",
            [count, now + timedelta(days=30), now, now + timedelta(days=29)],
        )


def _plan() -> str:
    from django.db import connection
    from django.utils import timezone

    from demandloop.meetings.models import DeadlineWatch

    query = (
        DeadlineWatch.objects.filter(next_at__lte=timezone.now())
        .order_by("next_at")
        .values_list("pk", flat=True)
    )
    sql, params = query[:1000].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    _setup_django()
    _ensure_database()
    from django.core.management import call_command
    from django.db import connection

    from demandloop.sla.sweep import run_sweep

    call_command("migrate", verbosity=0)
    open_count = int(os.environ.get("BENCH_SWEEP_OPEN", "1000000"))
    started = time.monotonic()
    state = _fill(open_count)
    fill_seconds = time.monotonic() - started
    now = state["now"]
    print(f"filled {open_count} open demands with their watches in {fill_seconds:.0f} s", flush=True)

    rows = []
    load = os.getloadavg()
    idle = []
    for _run in range(5):
        t = time.perf_counter()
        result = run_sweep(now=now)
        idle.append(time.perf_counter() - t)
        assert result.watches == 0
    rows.append((0, statistics.median(idle), 0))
    plan = _plan()
    for due in (100, 1000, 3000):
        _make_due(due, now)
        connection.close()
        t = time.perf_counter()
        result = run_sweep(now=now, limit=due)
        elapsed = time.perf_counter() - t
        steps = (result.steps or {}).get("reminder", 0)
        assert steps == due, f"{steps} reminders for {due} due watches"
        rows.append((due, elapsed, steps))
        print(f"{due} due: {elapsed:.3f} s, {steps} reminders", flush=True)
        _reset_due(due, now)

    table = [
        "| watches due | sweep time (s) | reminders taken | per due watch (ms) |",
        "|---:|---:|---:|---:|",
    ]
    for due, elapsed, steps in rows:
        per = f"{elapsed / due * 1000:.2f}" if due else "—"
        table.append(f"| {due} | {elapsed:.4f} | {steps} | {per} |")
    body = "\n".join(
        [
            f"{open_count:,} open demands (status in_progress, tier 2) each with a response-deadline watch; "
            "PostgreSQL. Nothing due: median of 5 sweeps. Then k watches are brought due (deadline at the end of "
            "today, reminder owed) and one sweep takes every reminder (notifications included, in the sweep's "
            "transactions). The machine is shared: load average %.1f / %.1f / %.1f when the sweeps ran."
            % load,
            "",
            *table,
            "",
            "Query plan of the sweep's read with nothing due (partial index `deadlinewatch_due_idx`):",
            "",
            "```",
            plan,
            "```",
            "",
            f"Filling the data took {fill_seconds:.0f} s.",
        ]
    )
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench.results import write_section

    write_section("sweep", "Supervision sweep (issue 5)", body, f"{open_count:,} open demands")


if __name__ == "__main__":
    main()
