"""Accounts made before the security policy have no `password_changed_at`: the clock of their password's maximum
age would count from `date_joined`, and on a deployment older than the policy's 90 days every one of them would
be sent to the change-password page at once on the day of the upgrade. Their clock starts at the upgrade."""

from django.db import migrations
from django.utils import timezone


def start_the_clock(apps, schema_editor):
    User = apps.get_model("org", "User")
    User.objects.filter(password_changed_at__isnull=True).update(password_changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_tier_decider_roles"),
    ]

    operations = [migrations.RunPython(start_the_clock, migrations.RunPython.noop)]
