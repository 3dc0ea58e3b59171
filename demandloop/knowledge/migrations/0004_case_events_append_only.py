"""The database refuses to change the history of typical cases and of the annual selections, like a demand's
events (see `demandloop.core.audit.install_append_only`)."""

from django.db import migrations

from demandloop.core.audit import install_append_only, remove_append_only

TABLES = ("knowledge_typicalcaseevent", "knowledge_caseselectionevent")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        remove_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_typical_problems"), ("core", "0002_auditevent_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
