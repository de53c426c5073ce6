"""A run's exports replace the folders it wrote: a month's folder whole, and under out/weekly/ only
the weeks it wrote, never the other weeks' bulletins."""

from __future__ import annotations

from dagster_project.defs.transaction import RunFiles, run_exports


def test_a_weeks_bulletin_replaces_its_week_and_leaves_the_other_weeks(tmp_path):
    out = tmp_path / "out"
    (out / "weekly" / "2021-06-07").mkdir(parents=True)
    (out / "weekly" / "2021-06-07" / "bulletin.docx").write_text("week of 7 June")
    (out / "weekly" / "2021-06-14").mkdir()
    (out / "weekly" / "2021-06-14" / "old.html").write_text("stale")
    (out / "2021-06").mkdir()
    (out / "2021-06" / "report.docx").write_text("June")
    files = RunFiles(tmp_path / "ywtb.duckdb", out)
    fresh = run_exports(out) / "weekly" / "2021-06-14"
    fresh.mkdir(parents=True)
    (fresh / "bulletin.docx").write_text("week of 14 June")

    changed = files.commit()

    assert changed == [str(out / "weekly" / "2021-06-14")]
    assert (out / "weekly" / "2021-06-07" / "bulletin.docx").read_text() == "week of 7 June"
    assert sorted(p.name for p in (out / "weekly" / "2021-06-14").iterdir()) == ["bulletin.docx"]
    assert (out / "2021-06" / "report.docx").read_text() == "June"
    assert not run_exports(out).exists()
