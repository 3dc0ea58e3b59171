"""The `demandloop` console script: Django's management commands under the platform's name.

`demandloop init …`, `demandloop calendar due …`, `demandloop route …` are management commands of the apps;
`demandloop serve` and `demandloop worker` start the web server and the background workers.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["demandloop", *args])


if __name__ == "__main__":
    main()
