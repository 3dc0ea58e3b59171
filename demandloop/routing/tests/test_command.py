"""`demandloop route …` as a clerk or an engineer runs it."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import CommandError, call_command

from demandloop.routing.corpus import in_scope, load_corpus


@pytest.fixture
def labelled_csv(tmp_path):
    """A small labelled file in the shape of the real data: id, text, label."""
    rows = in_scope(load_corpus("nankai"))
    keep = {"swj", "rsj", "tjj"}
    path = tmp_path / "data.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        for i, row in enumerate(r for r in rows if r.department in keep):
            writer.writerow([i, row.text, row.department])
    return path


def test_train_then_evaluate_prints_the_figures(labelled_csv, tmp_path, capsys):
    call_command("route", "train", "--data", str(labelled_csv), "--out", str(tmp_path / "model"))
    assert (tmp_path / "model" / "model.joblib").is_file()
    call_command(
        "route", "evaluate", "--data", str(labelled_csv), "--model", str(tmp_path / "model"), "--json"
    )
    report = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert report["n"] == 57
    assert report["accuracy"] > 0.9  # scored on its own training data: a smoke test of the plumbing
    assert set(report["per_label"]) == {"swj", "rsj", "tjj"}
    assert len(report["confusion"]) == 3
    assert report["texts_per_second"] > 0


def test_cross_validation_reports_mean_and_spread(labelled_csv, capsys):
    call_command("route", "evaluate", "--data", str(labelled_csv), "--cv", "3")
    out = capsys.readouterr().out
    assert "3" in out.splitlines()[0] and "±" in out.splitlines()[0]
    assert "swj" in out and "tjj" in out


def test_a_wrong_column_is_named(labelled_csv, tmp_path):
    with pytest.raises(CommandError, match="department"):
        call_command(
            "route",
            "train",
            "--data",
            str(labelled_csv),
            "--out",
            str(tmp_path / "m"),
            "--label-column",
            "department",
        )


def test_evaluate_needs_a_model_or_folds(labelled_csv):
    with pytest.raises(CommandError):
        call_command("route", "evaluate", "--data", str(labelled_csv))


def test_route_text_prints_the_decision_as_json(jinghai, capsys):
    call_command("route", "suggest", "排污许可证快到期了，延续申请交了一个月没消息", "--district", "jinghai")
    decision = json.loads(capsys.readouterr().out)
    assert decision["departments"][0]["code"] == "sthjj"
    assert decision["screening"]["out_of_scope"] is False


def test_route_retrain_reports_what_it_learned_from(jinghai, capsys):
    call_command("route", "retrain", "--district", "jinghai")
    out = capsys.readouterr().out
    assert "jinghai" in out and "retrained-" in out
    assert "--force" not in out


def test_route_retrain_says_when_it_keeps_the_model_in_force(jinghai, capsys, monkeypatch):
    from demandloop.routing import actions, store

    in_force = store.active_model("jinghai")
    assert in_force is not None
    monkeypatch.setattr(actions, "holds_up", lambda accuracy, previous: False)
    call_command("route", "retrain", "--district", "jinghai")
    out = capsys.readouterr().out
    assert "--force" in out
    assert store.active_model("jinghai")[0] == in_force[0]

    call_command("route", "retrain", "--district", "jinghai", "--force")
    out = capsys.readouterr().out
    assert "--force" not in out
    assert store.active_model("jinghai")[0] != in_force[0]


def test_an_unknown_district_is_refused(jinghai):
    with pytest.raises(CommandError):
        call_command("route", "retrain", "--district", "atlantis")


def test_it_reads_an_xlsx_with_title_and_details_in_two_columns(tmp_path, capsys):
    """The layout of the published 问政 data: 留言主题 and 留言详情 apart, the label in 一级标签."""
    import openpyxl

    rows = [r for r in in_scope(load_corpus("nankai")) if r.department in {"swj", "rsj", "tjj"}]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["留言编号", "留言主题", "留言详情", "一级标签"])
    for i, row in enumerate(rows):
        title, _, details = row.text.partition("，")
        sheet.append([i, title, details, row.department])
    sheet.append([len(rows), "没有标签的一行", "详情", None])
    path = tmp_path / "附件2.xlsx"
    book.save(path)
    columns = ["--text-column", "留言主题,留言详情", "--label-column", "一级标签"]

    call_command("route", "train", "--data", str(path), "--out", str(tmp_path / "m"), *columns)
    call_command("route", "evaluate", "--data", str(path), "--model", str(tmp_path / "m"), "--json", *columns)
    captured = capsys.readouterr()
    report = json.loads(captured.out[captured.out.index("{") :])
    assert report["n"] == len(rows)
    assert report["accuracy"] > 0.9
    # The unlabelled last row (row 1 is the header) is left out, and said so.
    assert report["skipped_rows"] == {str(len(rows) + 2): "无标签"}
    assert f"第 {len(rows) + 2} 行" in captured.err


def test_it_reads_a_gbk_csv_and_names_a_missing_text_column(labelled_csv, tmp_path, capsys):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(labelled_csv.read_text(encoding="utf-8").encode("gbk"))
    call_command("route", "evaluate", "--data", str(gbk), "--cv", "3")
    assert "swj" in capsys.readouterr().out
    with pytest.raises(CommandError, match="内容"):
        call_command("route", "evaluate", "--data", str(gbk), "--cv", "3", "--text-column", "text,内容")


def test_it_trains_heads_whose_labels_cover_different_rows(tmp_path, capsys):
    rows = [r for r in in_scope(load_corpus("nankai")) if r.department in {"swj", "rsj", "tjj"}]
    path = tmp_path / "two.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "department", "complexity"])
        for i, row in enumerate(rows):
            # Every third row has no complexity label: that head learns from the others.
            writer.writerow([row.text, row.department, "" if i % 3 == 0 else row.complexity])
    call_command(
        "route",
        "train",
        "--data",
        str(path),
        "--out",
        str(tmp_path / "m"),
        "--label-column",
        "department,complexity",
    )
    from demandloop.routing.classifier import TextClassifier

    model = TextClassifier.load(tmp_path / "m")
    assert set(model.heads) == {"department", "complexity"}
    assert model.meta["n_texts"] == len(rows)
