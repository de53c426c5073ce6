"""Personal data never leaves the boundary in clear: not through a malformed row's error, not through
an ID number or phone typed into a free-text column, and not into Dagster's storage, its compute logs
or what the run prints."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from helpers import personal_values

from dagster_project.instance import write_instance_config

pytestmark = pytest.mark.integration


def texts_of(path: Path) -> str:
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return path.read_bytes().decode("utf-8", "replace")


def duckdb_texts(path: Path) -> str:
    with duckdb.connect(path, read_only=True) as con:
        columns = con.sql(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        return "\n".join(
            str(v)
            for schema, table, column in columns
            for (v,) in con.sql(f'select distinct "{column}" from {schema}."{table}"').fetchall()
        )


def test_no_personal_value_reaches_the_warehouse_exports_dagster_storage_or_the_run_output(built, tmp_path):
    import shutil

    raw, _ = built
    raw_copy = tmp_path / "raw"
    shutil.copytree(raw, raw_copy)
    secrets = personal_values(raw_copy, ["2021-06"])
    ids = sorted(s for s in secrets if re.fullmatch(r"\d{17}[\dX]", s))
    phones = sorted(s for s in secrets if re.fullmatch(r"1\d{10}", s))
    assert ids and phones
    # An officer types a citizen's ID number and phone into free text: a matter's name.
    matters = next((raw_copy / "2021-06").glob("实施清单*.csv"))
    header, *rows = matters.read_text(encoding="utf-8").splitlines()
    name = header.split(",").index("事项名称")
    typed = []
    for i in (3, 7):
        cells = rows[i].split(",")
        cells[name] = f"{cells[name]}（联系人身份证{ids[i]}电话{phones[i]}）"
        typed += [ids[i], phones[i]]
        rows[i] = ",".join(cells)
    matters.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    home = tmp_path / "dagster_home"
    write_instance_config(home)  # the project's instance, as `make setup` writes it
    working = tmp_path / "wh" / "ywtb.duckdb"
    exports = tmp_path / "out"
    env = {"YWTB_SALT": "s", "PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(home)}
    ywtb = str(Path(sys.executable).with_name("ywtb"))
    run = subprocess.run(
        [ywtb, "run", "--months", "2021-06", "--raw", str(raw_copy), "--warehouse", str(working), "--exports", str(exports)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert [db for db in (home / "history" / "runs").glob("*.db") if db.stem != "index"]  # the run's events

    places = {"stdout": run.stdout, "stderr": run.stderr}
    places |= {str(p): duckdb_texts(p) for p in (working, working.with_name("published.duckdb"))}
    places |= {str(p): texts_of(p) for p in exports.rglob("*") if p.is_file()}
    # Dagster's run and event storage (SQLite) and compute logs, read as bytes.
    places |= {str(p): texts_of(p) for p in home.rglob("*") if p.is_file()}
    places |= {str(p): texts_of(p) for p in (working.parent / "logs").rglob("*.log")}  # the run's log
    assert any("logs" in where for where in places)
    numbers = re.compile(r"[0-9Xx]{11,18}")
    long_ones = {s for s in secrets if len(s) >= 11}
    leaks = {
        where: sorted((set(numbers.findall(text)) & long_ones) | {s for s in typed if s in text})
        for where, text in places.items()
    }
    assert {where: found for where, found in leaks.items() if found} == {}
    names = {s for s in secrets if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", s)}
    assert names
    # A name is short and may be a word of a matter's name: look for it only as a whole field.
    fields = {where: set(re.split(r"[,\s\"'<>|:;=]", text)) for where, text in places.items()}
    assert {where: sorted(names & f) for where, f in fields.items() if names & f} == {}
