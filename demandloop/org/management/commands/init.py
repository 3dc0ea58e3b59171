"""`demandloop init [--preset jinghai|nankai|all] [--demo N]`: migrate, load presets, optionally demo data."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.org.presets import PresetError, available_presets, load_preset


class Command(BaseCommand):
    help = _("Set up the database: migrate, load district presets and, if asked, demo data.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--preset", default="all", help=_("a preset code, a path to a preset file, or “all”")
        )
        parser.add_argument(
            "--demo",
            type=int,
            default=0,
            metavar="N",
            help=_("create N demo demands (with demo people and enterprises) spread over the districts"),
        )
        parser.add_argument("--no-migrate", action="store_true", help=_("do not run migrations first"))

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["demo"] < 0:
            raise CommandError(_("--demo must be zero or a positive number"))
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        from demandloop.knowledge.handbook import HandbookError, handbook_path, load_handbook
        from demandloop.sla.services import seed_official_calendar

        seed_official_calendar()
        codes = available_presets() if options["preset"] == "all" else [options["preset"]]
        districts = []
        for code in codes:
            try:
                report = load_preset(code)
            except PresetError as exc:
                raise CommandError(_("Preset refused, nothing of it was loaded: %(e)s") % {"e": exc}) from exc
            districts.append(report.district)
            # The district's seed FAQ handbook (高频事项应答手册), where the project ships one.
            if handbook_path(report.district.code).is_file():
                try:
                    load_handbook(report.district.code)
                except HandbookError as exc:
                    raise CommandError(str(exc)) from exc
            state = _("loaded") if report.changed else _("unchanged")
            self.stdout.write(
                _("Preset %(code)s (%(name)s): %(state)s")
                % {"code": report.district.code, "name": report.district.name, "state": state}
            )
        if options["demo"]:
            # Every district in one deployment is the city-wide demo: the city tier is inside it (DESIGN.md §1).
            self._demo(
                districts, options["demo"], city_wide=options["preset"] == "all" and len(districts) > 1
            )
        self.stdout.write(_("Done in %(s).1f s.") % {"s": time.monotonic() - started})

    def _demo(self, districts: list[Any], total: int, *, city_wide: bool) -> None:
        from demandloop.demands.demo import busiest_logins
        from demandloop.org.choices import RoleChoices
        from demandloop.org.demo import (
            DEMO_PASSWORD,
            create_demo_administrators,
            create_demo_city_desk,
            create_demo_enterprises,
            create_demo_people,
        )
        from demandloop.org.models import User

        admins = create_demo_administrators()
        # Before the districts' demands: their transfers to the city go to the desk.
        desk = create_demo_city_desk() if city_wide else None
        rows: list[tuple[str, str, str]] = []
        for i, district in enumerate(districts):
            share = total // len(districts) + (1 if i < total % len(districts) else 0)
            if User.objects.filter(username=f"{district.code}-hub").exists():
                self.stdout.write(
                    _("Demo data for %(name)s exists already; skipped.") % {"name": district.name}
                )
            else:
                create_demo_people(district)
                create_demo_enterprises(district, max(40, share // 5))
                self._demo_demands(district, share)
                self._demo_hotline(district)
                self._demo_cases(district)
                self._demo_campaigns(district)
                self._demo_supervision(district)
                self._demo_inbox(district)
                self._demo_reports(district)
            # One login per role of the district: the demo account with the most to show.
            for role, username in busiest_logins(district).items():
                rows.append((district.name, district.role_label(role), username))
        if desk is not None:
            rows.append(("—", str(RoleChoices.CITY.label), desk))
        for role, username in admins.items():
            rows.append(("—", str(RoleChoices(role).label), username))
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password for all: %(pw)s)") % {"pw": DEMO_PASSWORD})
        for district_name, role_label, username in rows:
            self.stdout.write(f"  {district_name:<6} {role_label:<14} {username}")

    def _demo_campaigns(self, district: Any) -> None:
        from demandloop.solicitation.demo import create_demo_campaigns

        create_demo_campaigns(district)

    def _demo_supervision(self, district: Any) -> None:
        # Once every demo demand exists (the campaigns' answers too), before the inbox is settled: the supervision
        # steps of the demo's past, each taken at its own moment rather than all when the platform starts.
        from demandloop.demands.models import Demand
        from demandloop.sla.sweep import catch_up

        catch_up(timezone.now(), Demand.objects.filter(district=district))

    def _demo_inbox(self, district: Any) -> None:
        # Before the reports, which decide for themselves which announcement is still unread.
        from demandloop.integrations.demo import settle_demo_inbox

        settle_demo_inbox(district)

    def _demo_reports(self, district: Any) -> None:
        # Last: the issues freeze the figures of the demands, the campaigns' and the cases' included.
        from demandloop.reports.demo import create_demo_reports

        create_demo_reports(district)

    def _demo_demands(self, district: Any, count: int) -> None:
        from demandloop.demands.demo import create_demo_demands
        from demandloop.demands.models import Demand
        from demandloop.sla.sweep import rebuild_watches

        create_demo_demands(district, count, seed=2026)
        # The demo is written in bulk, past the signal that keeps deadline watches: give the sweep its watches.
        rebuild_watches(Demand.objects.filter(district=district))

    def _demo_hotline(self, district: Any) -> None:
        from demandloop.integrations.hotline12345.demo import create_demo_hotline_orders

        create_demo_hotline_orders(district)

    def _demo_cases(self, district: Any) -> None:
        from demandloop.knowledge.demo import create_demo_cases

        create_demo_cases(district)
