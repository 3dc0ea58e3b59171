"""The database refuses UPDATE and DELETE on audit rows (see `demandloop.core.audit.install_append_only`)."""

from django.db import migrations

from demandloop.core.audit import install_append_only, remove_append_only

TABLE = "core_auditevent"


def forwards(apps, schema_editor):
    install_append_only(schema_editor, TABLE)


def backwards(apps, schema_editor):
    remove_append_only(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
