"""`demandloop security policy` prints the security policy in force (JSON); `demandloop security unlock USER`
clears a locked account's failed sign-ins from the server's command line — the way back in when the only
security administrator is locked out (audited as the platform's, `via: command`).

`demandloop security reset-two-factor USER` removes an account's authenticator (a lost phone) — the way back in
for the only security administrator, who would otherwise reset it on the security page.

`demandloop security token USER --purpose TEXT [--days N]` issues an API token to an integration's account and
prints it — the only time it is shown; `demandloop security tokens` lists the tokens (JSON lines, never the token).

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready
from demandloop.org import tokens, two_factor
from demandloop.org.models import ApiToken, SecurityPolicy, User
from demandloop.org.security import SecurityActionError, do_unlock

ACTIONS = ("policy", "unlock", "reset-two-factor", "token", "tokens")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Show the security policy, unlock an account locked after failed sign-ins, or issue and list the "
            "integrations' API tokens."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", help=_("What to do: policy, unlock, reset-two-factor, token, tokens.")
        )
        parser.add_argument(
            "username",
            nargs="?",
            help=_("The account to unlock, to reset the authenticator of, or to issue a token to."),
        )
        parser.add_argument("--purpose", default="", help=_("What the token is for (token)."))
        parser.add_argument(
            "--days",
            type=int,
            default=tokens.DEFAULT_VALIDITY,
            help=_("How many days the token is valid: 30, 90, 180 or 365; 0 until revoked (token)."),
        )

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
            if action == "tokens":
                self._list_tokens()
                return
            if action == "token":
                self._issue_token(options)
                return
            if action == "reset-two-factor":
                self._reset_two_factor(options)
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

    def _reset_two_factor(self, options: dict[str, Any]) -> None:
        username = (options["username"] or "").strip()
        if not username:
            raise CommandError(_("Name the account: demandloop security reset-two-factor USERNAME."))
        try:
            account = two_factor.do_reset(None, username)
        except two_factor.TwoFactorError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("The authenticator of %(name)s is reset: it sets up a new one at its next sign-in.")
            % {"name": account.username}
        )

    def _issue_token(self, options: dict[str, Any]) -> None:
        username = (options["username"] or "").strip()
        if not username:
            raise CommandError(
                _("Name the account: demandloop security token USERNAME --purpose TEXT [--days N].")
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no account %(name)s.") % {"name": username})
        try:
            token, key = tokens.do_issue_token(None, user, options["purpose"], options["days"])
        except tokens.TokenActionError as error:
            raise CommandError(str(error)) from None
        said = {"prefix": token.token_key, "name": user.username}
        if token.expiry:
            note = _(
                "Token %(prefix)s… issued to %(name)s, valid until %(until)s. It is printed once, below."
            ) % {
                **said,
                "until": timezone.localtime(token.expiry).strftime("%Y-%m-%d"),
            }
        else:
            note = (
                _("Token %(prefix)s… issued to %(name)s, valid until revoked. It is printed once, below.")
                % said
            )
        self.stderr.write(note)
        self.stdout.write(key)

    def _list_tokens(self) -> None:
        for token in ApiToken.objects.select_related("user").order_by("-created"):
            row = {
                "username": token.user.username,
                "purpose": token.name,
                "token": token.token_key,
                "created": token.created.isoformat(),
                "expires": token.expiry.isoformat() if token.expiry else None,
                "expired": token.expired,
                "last_used": token.last_used.isoformat() if token.last_used else None,
                "last_used_from": token.last_used_from,
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))
