"""The database refuses UPDATE and DELETE on demand events (see `demandloop.core.audit.install_append_only`)."""

from django.db import migrations

from demandloop.core.audit import install_append_only, remove_append_only

TABLE = "demands_demandevent"


def forwards(apps, schema_editor):
    install_append_only(schema_editor, TABLE)


def backwards(apps, schema_editor):
    remove_append_only(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial"), ("core", "0002_auditevent_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
