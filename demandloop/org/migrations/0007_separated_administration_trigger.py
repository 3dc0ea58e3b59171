"""三权分立 in the database: an administrator's account (sysadmin, secadmin, auditor) holds that one role.

The admin's membership form already refuses a second role beside an administrator's, but a seed, a shell or
a script writing rows could still give one account two administrator roles. A trigger refuses such a row
on every write, whoever writes it (SQLite and PostgreSQL: the databases the platform runs on). An existing
deployment holding such an account is told which before anything changes: the system administrator must
separate the roles first.

SQLite drops a table's triggers when Django rebuilds the table (an altered column of `Membership`): a migration
that rebuilds org_membership must create them again. `org/tests/test_separated_administration.py` fails if
they are gone.
"""

from django.db import migrations
from django.db.models import Count

ADMIN_ROLES = ("sysadmin", "secadmin", "auditor")
MESSAGE = "separated administration: an administrator's account holds that one role and no other"
# The message as an SQL string literal.
_MESSAGE = "'" + MESSAGE.replace("'", "''") + "'"

_IN = "(" + ", ".join(f"'{role}'" for role in ADMIN_ROLES) + ")"

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER org_membership_separated_admin_insert
    BEFORE INSERT ON org_membership
    WHEN (NEW.role IN {_IN} AND EXISTS (SELECT 1 FROM org_membership WHERE user_id = NEW.user_id))
      OR (NEW.role NOT IN {_IN} AND EXISTS (
            SELECT 1 FROM org_membership WHERE user_id = NEW.user_id AND role IN {_IN}))
    BEGIN SELECT RAISE(ABORT, {_MESSAGE}); END
    """,
    f"""
    CREATE TRIGGER org_membership_separated_admin_update
    BEFORE UPDATE OF role, user_id ON org_membership
    WHEN (NEW.role IN {_IN} AND EXISTS (
            SELECT 1 FROM org_membership WHERE user_id = NEW.user_id AND id <> NEW.id))
      OR (NEW.role NOT IN {_IN} AND EXISTS (
            SELECT 1 FROM org_membership WHERE user_id = NEW.user_id AND id <> NEW.id AND role IN {_IN}))
    BEGIN SELECT RAISE(ABORT, {_MESSAGE}); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS org_membership_separated_admin_insert",
    "DROP TRIGGER IF EXISTS org_membership_separated_admin_update",
]

# In PostgreSQL the row's id is set before a BEFORE trigger runs, on insert as on update. SQLSTATE 23514
# (check_violation) makes Django raise IntegrityError, as for any constraint.
POSTGRES_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION org_membership_separated_admin() RETURNS trigger AS $$
    BEGIN
      IF (NEW.role IN {_IN} AND EXISTS (
            SELECT 1 FROM org_membership WHERE user_id = NEW.user_id AND id <> NEW.id))
         OR (NEW.role NOT IN {_IN} AND EXISTS (
            SELECT 1 FROM org_membership WHERE user_id = NEW.user_id AND id <> NEW.id AND role IN {_IN})) THEN
        RAISE EXCEPTION {_MESSAGE} USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER org_membership_separated_admin
    BEFORE INSERT OR UPDATE OF role, user_id ON org_membership
    FOR EACH ROW EXECUTE FUNCTION org_membership_separated_admin()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS org_membership_separated_admin ON org_membership",
    "DROP FUNCTION IF EXISTS org_membership_separated_admin()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    Membership = apps.get_model("org", "Membership")
    admins = Membership.objects.filter(role__in=ADMIN_ROLES).values("user_id")
    mixed = sorted(
        set(
            Membership.objects.filter(user_id__in=admins)
            .values("user_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("user__username", flat=True)
        )
    )
    if mixed:
        raise RuntimeError(
            "Separated administration: these administrators' accounts hold other roles as well: "
            + ", ".join(mixed)
            + ". Give each of them its administrator's role alone (the other roles to other accounts) "
            "in the admin, then migrate again."
        )
    _run(schema_editor, SQLITE_CREATE if vendor == "sqlite" else POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("org", "0006_city_desk_role")]

    operations = [migrations.RunPython(create, drop)]
