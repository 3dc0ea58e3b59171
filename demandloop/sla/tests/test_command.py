"""`demandloop calendar …`: through call_command, and once as the real console script in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demandloop.core.tests.console import CONSOLE_SCRIPT, console_env
from demandloop.org.models import District
from demandloop.sla.calendar import SHANGHAI
from demandloop.sla.models import CalendarOverride, OfficialDay, PublishedYear
from demandloop.sla.official import SOURCE


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestDue:
    def test_it_prints_the_iso_deadline_alone_on_its_line(self):
        out, err = run("due", "--from", "2026-02-13T09:00:00+08:00", "--days", "3")
        assert out == "2026-02-25T23:59:59.999999+08:00\n"
        assert err == ""
        assert datetime.fromisoformat(out.strip()) == datetime(
            2026, 2, 25, 23, 59, 59, 999999, tzinfo=SHANGHAI
        )

    def test_it_prints_json_with_provisional_and_the_counted_days(self):
        out, _ = run("due", "--from", "2026-02-13T20:00:00-05:00", "--days", "3", "--json")
        assert json.loads(out) == {
            "due": "2026-02-26T23:59:59.999999+08:00",
            "due_date": "2026-02-26",
            "closes_at": "24:00",
            "provisional": False,
            "counted": ["2026-02-24", "2026-02-25", "2026-02-26"],
        }

    def test_it_says_on_stderr_and_in_json_when_the_deadline_is_provisional(self):
        out, err = run("due", "--from", "2026-12-31T09:00:00+08:00", "--days", "1")
        assert out == "2027-01-01T23:59:59.999999+08:00\n"
        assert "暂定" in err
        out, _ = run("due", "--from", "2026-12-31T09:00:00+08:00", "--days", "1", "--json")
        assert json.loads(out)["provisional"] is True

    def test_it_ends_the_day_at_the_districts_closing_time(self):
        District.objects.create(code="jinghai", name="静海区", office_closing_time=time(17, 30))
        out, _ = run("due", "--from", "2026-02-13T09:00:00+08:00", "--days", "3", "--district", "jinghai")
        assert out.strip() == "2026-02-25T17:30:00+08:00"

    def test_zero_days_is_within_the_day(self):
        out, _ = run("due", "--from", "2026-03-05T09:00:00+08:00", "--days", "0", "--json")
        assert json.loads(out)["counted"] == []
        assert json.loads(out)["due"] == "2026-03-05T23:59:59.999999+08:00"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--days", "3"], "缺少 --from"),
            (["--from", "2026-02-13T09:00:00"], "没有时区偏移"),
            (["--from", "2026-02-13", "--days", "3"], "没有时区偏移"),
            (["--from", "yesterday", "--days", "3"], "不是 ISO 8601 格式"),
            (["--from", "2026-02-13T09:00:00+08:00"], "缺少 --days"),
            (["--from", "2026-02-13T09:00:00+08:00", "--days", "three"], "应为 0 到 3650 之间的整数"),
            (["--from", "2026-02-13T09:00:00+08:00", "--days", "-1"], "应为 0 到 3650 之间的整数"),
            (
                ["--from", "2026-02-13T09:00:00+08:00", "--days", "1", "--district", "nowhere"],
                "没有代码为“nowhere”的区",
            ),
            (["--from", "9999-12-30T09:00:00+08:00", "--days", "5"], "超出 9999 年"),
        ],
    )
    def test_it_refuses_bad_arguments_with_a_chinese_message(self, args, message):
        with pytest.raises(CommandError, match=message):
            run("due", *args)


@pytest.mark.django_db
class TestShow:
    def test_it_lists_the_days_off_and_make_up_days_of_a_published_year(self):
        out, _ = run("show", "2026")
        assert "2026年放假安排：已公布" in out
        assert "放假日（33天）：" in out
        assert "  2026-02-15 星期日 春节" in out
        assert "调休上班日（6天）：" in out
        assert "  2026-09-20 星期日 国庆节" in out
        assert "全年工作日：248天。" in out

    def test_it_says_when_a_year_is_not_published(self):
        out, _ = run("show", "2027")
        assert "2027年放假安排：尚未公布" in out
        assert "暂定" in out
        assert "全年工作日：261天。" in out

    def test_it_prints_json(self):
        out, _ = run("show", "2026", "--json")
        payload = json.loads(out)
        assert (payload["published"], payload["provisional"], payload["working_days"]) == (True, False, 248)
        assert {"date": "2026-02-14", "note": "春节"} in payload["makeup_days"]

    @pytest.mark.parametrize(
        ("args", "message"), [([], "请指定要查看的年份"), (["twenty"], "应为 1949 到 2999 之间的整数")]
    )
    def test_it_refuses_a_missing_or_bad_year(self, args, message):
        with pytest.raises(CommandError, match=message):
            run("show", *args)


@pytest.mark.django_db
class TestImportAndSeed:
    def test_it_imports_a_file_and_publishes_the_year(self, tmp_path, django_user_model):
        django_user_model.objects.create_user(username="clerk", password="pw-clerk")
        path = tmp_path / "2027.csv"
        path.write_text("日期,类型,备注\n2027-01-01,休息,元旦\n2027-02-06,上班,春节\n", encoding="utf-8")
        out, _ = run("import", str(path), "--user", "clerk")
        assert "已导入2027年放假安排：共2天" in out
        assert PublishedYear.objects.get(year=2027).created_by.username == "clerk"
        out, _ = run("due", "--from", "2026-12-31T09:00:00+08:00", "--days", "1", "--json")
        payload = json.loads(out)
        assert (payload["due"], payload["provisional"]) == ("2027-01-04T23:59:59.999999+08:00", False)

    def test_a_bad_row_rejects_the_file_with_every_problem_and_saves_nothing(self, tmp_path):
        path = tmp_path / "2027.csv"
        path.write_text("日期,类型\n2027-01-01,休息\n2027-13-01,休息\n2027-01-02,歇\n", encoding="gbk")
        with pytest.raises(CommandError) as excinfo:
            run("import", str(path))
        message = str(excinfo.value)
        assert "未导入任何数据：文件中有2处问题。" in message
        assert "第3行，“日期”列：“2027-13-01”不是有效日期" in message
        assert "第4行，“类型”列：“歇”不是有效类型" in message
        assert not CalendarOverride.objects.exists()
        assert not PublishedYear.objects.filter(year=2027).exists()

    def test_a_dry_run_validates_and_saves_nothing(self, tmp_path):
        path = tmp_path / "2027.csv"
        path.write_text("date,type\n2027-01-01,off\n", encoding="utf-8")
        out, _ = run("import", str(path), "--dry-run")
        assert "校验通过" in out
        assert not CalendarOverride.objects.exists()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ([], "请指定要导入的文件"),
            (["/nonexistent/2027.csv"], "不存在"),
            (["{file}", "--user", "nobody"], "没有用户名为“nobody”的用户"),
            (["{file}", "--year", "MMXXVII"], "应为 1949 到 2999 之间的整数"),
        ],
    )
    def test_it_refuses_bad_import_arguments(self, tmp_path, args, message):
        path = tmp_path / "2027.csv"
        path.write_text("date,type\n2027-01-01,off\n", encoding="utf-8")
        with pytest.raises(CommandError, match=message):
            run("import", *[arg.format(file=path) for arg in args])

    def test_seed_fills_the_official_days_once(self):
        out, _ = run("seed")
        assert f"已与 {SOURCE} 同步" in out
        assert OfficialDay.objects.exists()
        out, _ = run("seed")
        assert "无需更新" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frob"], "未知的子命令“frob”"),
        ([], "请指定要执行的子命令"),
        (["due", "--from"], "参数 --from 需要一个取值"),
        (["due", "--bogus"], "无法识别的参数：--bogus"),
    ],
)
def test_argument_errors_are_chinese_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.fixture(scope="module")
def cli_environment(tmp_path_factory, migrated_sqlite):
    """The console script on a copy of the run's migrated SQLite database (conftest.migrated_sqlite)."""
    folder = tmp_path_factory.mktemp("cli")
    shutil.copyfile(migrated_sqlite, folder / "cli.sqlite3")
    return console_env(folder / "cli.sqlite3", folder)


def console(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "calendar", *args], env=env, capture_output=True, text=True, timeout=120
    )


# One worker runs the console script's tests: the other would only wait for the first to migrate its database.
@pytest.mark.xdist_group("console-script")
class TestConsoleScript:
    def test_demandloop_calendar_due_prints_json(self, cli_environment):
        result = console(
            cli_environment, "due", "--from", "2026-02-13T20:00:00-05:00", "--days", "3", "--json"
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["counted"] == ["2026-02-24", "2026-02-25", "2026-02-26"]

    def test_demandloop_calendar_show_works_before_the_seed(self, cli_environment):
        result = console(cli_environment, "show", "2026")
        assert result.returncode == 0, result.stderr
        assert "调休上班日（6天）" in result.stdout

    @pytest.mark.parametrize(
        ("args", "status", "message"),
        [
            (["due", "--from", "2026-02-13", "--days", "3"], 1, "没有时区偏移"),
            (["due", "--from", "2026-02-13T09:00:00+08:00", "--days", "x"], 1, "应为 0 到 3650 之间的整数"),
            (["frob"], 2, "未知的子命令“frob”"),
            ([], 2, "请指定要执行的子命令"),
        ],
    )
    def test_bad_arguments_exit_non_zero_with_a_chinese_message_and_no_traceback(
        self, cli_environment, args, status, message
    ):
        result = console(cli_environment, *args)
        assert result.returncode == status
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
