"""`demandloop route …`: a decision as JSON, or train / evaluate / retrain a router.

demandloop route TEXT [--district CODE] [--enterprise ID] [--area ID]
demandloop route train --data FILE --out DIR [--text-column text[,text2…]] [--label-column label[,label2…]]
demandloop route evaluate --data FILE --model DIR [--json]      (held-out file)
demandloop route evaluate --data FILE --cv 5 [--json]            (k-fold cross-validation on one file)
demandloop route retrain --district CODE

FILE: CSV (UTF-8 or GBK; comma, tab or semicolon) or XLSX (first sheet), a header row first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandloop.routing.classifier import TextClassifier
from demandloop.routing.evaluation import (
    LabelledData,
    cross_validate,
    evaluate,
    format_report,
    read_labelled,
    skipped_note,
)

SUBCOMMANDS = ("suggest", "train", "evaluate", "retrain")
TEXT_COLUMNS_HELP = gettext_lazy(
    "text column; several, comma-separated (title first, e.g. 留言主题,留言详情), are joined into one text"
)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Route a demand (screening, departments, domain, complexity, tier, FAQ, duplicates) as JSON, "
            "or train, evaluate and retrain routers."
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # `demandloop route 发票领不了` means `demandloop route suggest 发票领不了`.
        if len(argv) > 2 and argv[2] not in SUBCOMMANDS and argv[2] not in ("-h", "--help"):
            argv = [*argv[:2], "suggest", *argv[2:]]
        super().run_from_argv(argv)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("suggest", help=str(gettext_lazy("print the decision for a text as JSON")))
        p.add_argument("text", nargs="+", help=str(gettext_lazy("the demand's text")))
        p.add_argument("--district", help=str(gettext_lazy("district code (default: the only or first one)")))
        p.add_argument("--enterprise", type=int, help=str(gettext_lazy("enterprise id, for duplicates")))
        p.add_argument("--area", type=int, help=str(gettext_lazy("area id, for duplicates")))

        p = sub.add_parser("train", help=str(gettext_lazy("train a classifier on a labelled CSV file")))
        p.add_argument("--data", required=True, help=str(gettext_lazy("CSV (UTF-8 or GBK) or XLSX file")))
        p.add_argument("--out", required=True, help=str(gettext_lazy("folder to write the model to")))
        p.add_argument("--text-column", default="text", help=str(TEXT_COLUMNS_HELP))
        p.add_argument(
            "--label-column",
            default="label",
            help=str(gettext_lazy("label column; several, comma-separated, train one head each")),
        )

        p = sub.add_parser("evaluate", help=str(gettext_lazy("score a model on a labelled CSV file")))
        p.add_argument("--data", required=True, help=str(gettext_lazy("CSV (UTF-8 or GBK) or XLSX file")))
        p.add_argument("--model", help=str(gettext_lazy("model folder written by train")))
        p.add_argument(
            "--cv", type=int, default=0, help=str(gettext_lazy("k-fold cross-validation on --data"))
        )
        p.add_argument("--text-column", default="text", help=str(TEXT_COLUMNS_HELP))
        p.add_argument("--label-column", default="label")
        p.add_argument(
            "--head", help=str(gettext_lazy("which head of the model to score (default: the first)"))
        )
        p.add_argument("--json", action="store_true", help=str(gettext_lazy("print the report as JSON")))

        p = sub.add_parser(
            "retrain", help=str(gettext_lazy("retrain a district's router from its resolved demands"))
        )
        p.add_argument("--district", required=True)
        p.add_argument(
            "--force",
            action="store_true",
            help=str(
                gettext_lazy("put the new model into use even if it routes worse than the one in force")
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        getattr(self, f"handle_{action}")(**options)

    # --- suggest ----------------------------------------------------------------------------------------
    def handle_suggest(self, **options: Any) -> None:
        from demandloop.org.models import District
        from demandloop.routing.service import suggest

        code = options.get("district")
        if not code:
            first = District.objects.order_by("code").first()
            if first is None:
                raise CommandError(_("No district is loaded: run demandloop init first."))
            code = first.code
        try:
            decision = suggest(
                code,
                " ".join(options["text"]),
                enterprise_id=options.get("enterprise"),
                area_id=options.get("area"),
            )
        except District.DoesNotExist as exc:
            raise CommandError(_("Unknown district %(code)s.") % {"code": code}) from exc
        self.stdout.write(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2, default=str))

    # --- train ------------------------------------------------------------------------------------------
    def handle_train(self, **options: Any) -> None:
        data = self._read(options)
        texts, labels = data.texts, data.labels
        model = TextClassifier().fit(texts, labels)
        model.meta["data"] = Path(options["data"]).name
        folder = model.save(options["out"])
        self.stdout.write(
            _("Trained %(heads)s on %(n)s texts in %(seconds)s s; model written to %(folder)s.")
            % {
                "heads": ", ".join(model.heads),
                "n": len(texts),
                "seconds": model.meta["train_seconds"],
                "folder": folder,
            }
        )

    def _read(self, options: dict[str, Any]) -> LabelledData:
        """The labelled rows of --data; the rows left out are named on stderr, a file that cannot be used
        stops the command with the reason."""
        text_columns = [c.strip() for c in options["text_column"].split(",") if c.strip()]
        label_columns = [c.strip() for c in options["label_column"].split(",") if c.strip()]
        try:
            data = read_labelled(options["data"], text_columns, label_columns)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not data.texts:
            raise CommandError(_("No labelled rows in %(path)s.") % {"path": options["data"]})
        if data.skipped:
            self.stderr.write(skipped_note(data.skipped))
        return data

    # --- evaluate ---------------------------------------------------------------------------------------
    def handle_evaluate(self, **options: Any) -> None:
        data = self._read(options)
        if len(data.labels) != 1:
            raise CommandError(
                _("evaluate scores one label column at a time; use --head for a model's other heads.")
            )
        [truth] = data.labels.values()
        texts = data.texts
        if options["cv"]:
            if options["cv"] < 2:
                raise CommandError(_("--cv needs at least 2 folds."))
            report = cross_validate(texts, truth, folds=options["cv"])
        else:
            if not options.get("model"):
                raise CommandError(_("Give --model DIR (a model written by train), or --cv K."))
            try:
                model = TextClassifier.load(options["model"])
            except (OSError, TypeError) as exc:
                raise CommandError(
                    _("Cannot load the model in %(path)s.") % {"path": options["model"]}
                ) from exc
            head = options.get("head") or model.primary_head
            if head not in model.heads:
                raise CommandError(_("The model has no head %(head)s.") % {"head": head})
            report = evaluate(model, texts, truth, head)
        report["skipped_rows"] = {str(n): why for n, why in data.skipped.items()}
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_report(report))

    # --- retrain ----------------------------------------------------------------------------------------
    def handle_retrain(self, **options: Any) -> None:
        from demandloop.org.models import District
        from demandloop.routing.actions import retrain_from_resolved

        district = District.objects.filter(code=options["district"]).first()
        if district is None:
            raise CommandError(_("Unknown district %(code)s.") % {"code": options["district"]})
        training = retrain_from_resolved(district, force=options["force"])

        def listed(accuracy: dict[str, float]) -> str:
            return ", ".join(f"{head} {value:.3f}" for head, value in accuracy.items()) or "—"

        facts = {
            "district": district.code,
            "own": training.district_rows,
            "corpus": training.corpus_rows,
            "accuracy": listed(training.test_accuracy),
            "previous": listed(training.previous_accuracy),
            "folder": training.folder,
        }
        if training.activated:
            self.stdout.write(
                _(
                    "Retrained the router of %(district)s on %(own)s resolved demands and %(corpus)s corpus rows; "
                    "accuracy on the held-back slice: %(accuracy)s (the previous model: %(previous)s). "
                    "Active model: %(folder)s."
                )
                % facts
            )
            return
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Retrained the router of %(district)s on %(own)s resolved demands and %(corpus)s corpus rows, "
                    "but it routes the held-back slice worse (%(accuracy)s) than the model in force "
                    "(%(previous)s): the model in force stays. The new one is kept in %(folder)s; check the "
                    "departments recorded on resolved demands, or run again with --force to use it anyway."
                )
                % facts
            )
        )
