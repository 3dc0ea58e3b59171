"""Data migrations of the organisation, run forward over rows made before them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def migrate_to_latest() -> None:
    """Every app to its last migration: going back to an old state of one app also unapplies the later
    migrations of other apps that depend on it, and the tests after this one need them all."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_accounts_older_than_the_policy_start_their_password_clock_at_the_upgrade():
    migrate(("org", "0004_tier_decider_roles"))
    try:
        from django.db.migrations.loader import MigrationLoader

        old_state = MigrationLoader(connection).project_state(("org", "0004_tier_decider_roles"))
        OldUser = old_state.apps.get_model("org", "User")
        joined = timezone.now() - timedelta(days=400)
        OldUser.objects.create(username="veteran", password="!", date_joined=joined)
        before = timezone.now()
        migrate(("org", "0005_start_password_clock"))
        from demandloop.org.models import User

        veteran = User.objects.get(username="veteran")
        assert veteran.password_changed_at is not None and veteran.password_changed_at >= before
        assert veteran.date_joined == joined, "nothing else changes"
    finally:
        migrate_to_latest()


def test_the_separated_administration_trigger_is_not_installed_over_an_account_that_breaks_it():
    migrate(("org", "0006_city_desk_role"))
    try:
        from django.db.migrations.loader import MigrationLoader

        old_state = MigrationLoader(connection).project_state(("org", "0006_city_desk_role"))
        OldUser = old_state.apps.get_model("org", "User")
        OldMembership = old_state.apps.get_model("org", "Membership")
        both = OldUser.objects.create(username="both-hats", password="!")
        OldMembership.objects.create(user=both, role="sysadmin")
        OldMembership.objects.create(user=both, role="auditor")
        with pytest.raises(RuntimeError) as caught:
            migrate(("org", "0007_separated_administration_trigger"))
        assert "both-hats" in str(caught.value), "it names the account to mend"
        OldMembership.objects.filter(user=both, role="auditor").delete()
        migrate(("org", "0007_separated_administration_trigger"))
        with pytest.raises(IntegrityError), transaction.atomic():
            OldMembership.objects.create(user=both, role="auditor")
    finally:
        migrate_to_latest()
