"""`demandloop import KIND FILE …`: one command for every file import, one sub-command per kind.

Each kind lives in the app that owns its data and offers `HELP`, `add_arguments(parser)` and
`handle(options, stdout)`; add a kind by adding its module to `IMPORTERS`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

# Sub-command → the module that implements it.
IMPORTERS = {
    "ledger": "demandloop.enterprises.imports",
    "hotline": "demandloop.integrations.hotline12345.imports",
}


class Command(BaseCommand):
    help = "demandloop import {" + ",".join(IMPORTERS) + "} FILE [options]"

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{" + ",".join(IMPORTERS) + "}")
        for kind, module_path in IMPORTERS.items():
            module = import_module(module_path)
            module.add_arguments(kinds.add_parser(kind, help=str(module.HELP), description=str(module.HELP)))

    def handle(self, *args: Any, **options: Any) -> None:
        module = import_module(IMPORTERS[options["kind"]])
        module.handle(options, self.stdout)
