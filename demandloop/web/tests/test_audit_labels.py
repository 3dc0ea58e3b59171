"""Every action the platform writes to the audit trail reads in Chinese on the auditor's page, never as its code."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from demandloop.knowledge.choices import CaseActionChoices
from demandloop.web.views.audit import action_label

SOURCE = Path(__file__).resolve().parents[2]
# The functions that write an audit row with the action's name as their first argument.
WRITERS = {"record", "_audited", "_faq_audit"}


def written_actions() -> set[str]:
    """The action names written literally in the code (the demands' steps are named by their choices)."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in WRITERS:
                continue
            first = node.args[0]
            # A literal, or either literal of a conditional ("reports.correct" if … else "reports.issue").
            for value in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
    return found


def test_every_audited_action_has_a_chinese_name():
    actions = written_actions() | {f"knowledge.case.{name}" for name in CaseActionChoices.values}
    assert {"meetings.whistle", "solicitation.launch", "reports.issue", "outbox.retry"} <= actions
    with translation.override("zh-hans"):
        unnamed = sorted(a for a in actions if "." in a and a.split(".", 1)[1] in action_label(a))
    assert not unnamed, f"name these in demandloop/web/views/audit.py NAMED: {unnamed}"
