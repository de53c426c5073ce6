"""Shared fixtures: a generated sample month with planted bad rows, and a warehouse built from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dagster_project.reference import organisations
from schemas.raw import ValidationContext

JUNE = dt.date(2021, 6, 1)


@pytest.fixture
def june_context() -> ValidationContext:
    orgs = organisations()
    return ValidationContext(
        month=JUNE,
        known_org_codes=orgs.codes,
        known_org_names=orgs.names,
        known_matter_codes=frozenset({"M1", "M2"}),
    )


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """2021-06 (UTF-8) and 2021-04 (xlsx) and 2021-02 (GB18030) at a small scale, 1 % bad rows planted."""
    from dagster_project.sample.writer import write_month

    out = tmp_path_factory.mktemp("raw")
    for month in (dt.date(2021, 2, 1), dt.date(2021, 4, 1), JUNE):
        write_month(month, out, scale=0.002, seed=7, bad_rows=0.01)
    return out


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A private warehouse and salt for one test."""
    monkeypatch.setenv("YWTB_WAREHOUSE", str(tmp_path / "wh" / "ywtb.duckdb"))
    monkeypatch.setenv("YWTB_SALT", "test-salt")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path


@pytest.fixture(autouse=True, scope="session")
def exports_outside_the_checkout(tmp_path_factory):
    """Runs in tests write their annexes and reports to a temporary folder, never to out/."""
    mp = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("out")
    mp.setenv("YWTB_EXPORTS", str(folder))
    yield folder
    mp.undo()
