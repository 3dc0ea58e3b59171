"""Events and audit rows are never edited or deleted: the database itself refuses (DESIGN.md §4, issue 3 item 5).

On PostgreSQL a trigger refuses UPDATE and DELETE; on SQLite UPDATE (see `core.audit.install_append_only`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from demandloop.core.models import AuditEvent
from demandloop.demands.models import DemandEvent
from demandloop.demands.tests.world import receive

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


def refused(statement: Any) -> bool:
    try:
        with transaction.atomic():
            statement()
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


def a_demand_with_history(world: Any) -> tuple[DemandEvent, AuditEvent]:
    demand = receive(world.jinghai)
    event = DemandEvent.objects.get(demand=demand)
    audit = AuditEvent.objects.get(object_type="demands.demand", object_id=str(demand.pk))
    return event, audit


def test_it_refuses_to_update_an_event_or_an_audit_row(world: Any) -> None:
    event, audit = a_demand_with_history(world)
    assert refused(lambda: DemandEvent.objects.filter(pk=event.pk).update(note="改写"))
    assert refused(lambda: AuditEvent.objects.filter(pk=audit.pk).update(success=False))
    event.refresh_from_db()
    assert event.note == ""


@pytest.mark.postgres
@on_postgres
def test_it_refuses_to_delete_an_event_or_an_audit_row_on_postgresql(world: Any) -> None:
    event, audit = a_demand_with_history(world)
    assert refused(lambda: DemandEvent.objects.filter(pk=event.pk).delete())
    assert refused(lambda: AuditEvent.objects.filter(pk=audit.pk).delete())

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM demands_demandevent")

    assert refused(raw_sql)
    assert DemandEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.filter(pk=audit.pk).exists()


@pytest.mark.postgres
@on_postgres
def test_it_refuses_raw_updates_on_postgresql_too(world: Any) -> None:
    a_demand_with_history(world)

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET username = 'someone else'")

    assert refused(raw_sql)
    assert not AuditEvent.objects.filter(username="someone else").exists()
