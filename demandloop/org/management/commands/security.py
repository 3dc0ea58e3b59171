"""`demandloop security policy` prints the security policy in force (JSON); `demandloop security unlock USER`
clears a locked account's failed sign-ins from the server's command line — the way back in when the only
security administrator is locked out (audited as the platform's, `via: command`).

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready
from demandloop.org.models import SecurityPolicy
from demandloop.org.security import SecurityActionError, do_unlock

ACTIONS = ("policy", "unlock")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Show the security policy, or unlock an account locked after failed sign-ins.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to do: policy, unlock."))
        parser.add_argument("username", nargs="?", help=_("The account to unlock."))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action not in ACTIONS:
            raise CommandError(_("Say what to do: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        with database_ready():
            if action == "policy":
                policy = SecurityPolicy.current()
                shown = {name: getattr(policy, name) for name in SecurityPolicy.SETTINGS}
                self.stdout.write(json.dumps({**shown, "version": policy.version}, ensure_ascii=False))
                return
            username = (options["username"] or "").strip()
            if not username:
                raise CommandError(_("Name the account to unlock: demandloop security unlock USERNAME."))
            try:
                removed = do_unlock(None, username)
            except SecurityActionError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            _("%(name)s is unlocked: %(n)d records of failed sign-ins cleared.")
            % {"name": username, "n": removed}
        )
