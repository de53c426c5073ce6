"""Every fault of the generated corpus gets the answer it must: the file fails naming itself and the
problem, or it is accepted with the same rows as the clean file; always rows read = loaded + quarantined."""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from dagster_project.cli import main
from dagster_project.defs.ingest.boundary import ingest_file
from dagster_project.defs.ingest.readers import FileProblem
from dagster_project.reference import organisations
from dagster_project.sample.corpus import FAULTS, file_of, make_corpus
from dagster_project.sample.writer import write_month
from schemas.raw import CONTRACTS, ValidationContext

JUNE = dt.date(2021, 6, 1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    good = tmp_path_factory.mktemp("good")
    write_month(JUNE, good, scale=0.001, seed=3)  # a clean UTF-8 month
    return good / "2021-06", make_corpus(good / "2021-06", tmp_path_factory.mktemp("corpus"))


def ingest(folder, extract):
    orgs = organisations()
    matters = ingest_file(file_of(folder, "matters"), CONTRACTS["matters"], context(orgs, None), "salt")
    codes = frozenset(matters.loaded["matter_code"].to_list())
    contract = CONTRACTS[extract]
    ctx = context(orgs, codes if contract.needs_matter_catalogue else None)
    return ingest_file(file_of(folder, extract), contract, ctx, "salt")


def context(orgs, codes):
    return ValidationContext(
        month=JUNE, known_org_codes=orgs.codes, known_org_names=orgs.names, known_matter_codes=codes
    )


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_gets_its_answer(corpus, fault):
    good, folders = corpus
    folder = folders[fault.name]
    if fault.outcome == "file_fails":
        with pytest.raises(FileProblem) as e:
            ingest(folder, fault.extract)
        assert file_of(folder, fault.extract).name in str(e.value) and fault.says in str(e.value)
        leaked = [v for v in personal_values(good) if v in str(e.value)]
        assert leaked == []  # the message names the line, never a row's text
        return
    spoiled, clean = ingest(folder, fault.extract), ingest(good, fault.extract)
    assert spoiled.rows_read == spoiled.loaded.height + spoiled.quarantined.height == clean.rows_read
    columns = [c for c in clean.loaded.columns if c != "source_row"]
    if fault.outcome == "accepted":
        reported = f"{spoiled.encoding} {' '.join(spoiled.unknown_columns)}"
        assert fault.says in reported
        assert spoiled.quarantined.height == clean.quarantined.height
        assert spoiled.loaded.select(columns).equals(clean.loaded.select(columns))
        return
    rows = pl.col("source_row").is_in(list(fault.rows))
    if fault.outcome == "quarantined":
        caught = spoiled.quarantined.filter(rows)
        assert sorted(caught["source_row"]) == sorted(fault.rows)
        assert all(fault.says in reason for reason in caught["reason"]), caught["reason"].to_list()
        assert spoiled.loaded.equals(clean.loaded.filter(~rows))
        return
    # masked: the rows load, the personal data in them does not
    assert spoiled.values_masked == len(fault.rows) and clean.values_masked == 0
    text = pl.concat([spoiled.loaded.filter(rows).select(pl.col(pl.String)).unpivot()["value"]])
    assert text.str.contains("***", literal=True).sum() == len(fault.rows)
    assert not text.str.contains(fault.says, literal=True).any()
    assert spoiled.loaded.filter(~rows).equals(clean.loaded.filter(~rows))


def personal_values(folder) -> set[str]:
    """Names, ID numbers and phones of the clean month's files."""
    from helpers import personal_values as of_months

    return of_months(folder.parent, [folder.name])


def test_validate_gives_the_same_answers_by_hand(corpus, capsys):
    _, folders = corpus
    for fault in FAULTS:
        code = main(["validate", "--raw", str(folders[fault.name].parent), "--months", "2021-06"])
        assert code == (1 if fault.outcome == "file_fails" else 0), fault.name
        out = capsys.readouterr().out
        if fault.outcome == "masked":
            assert fault.says not in out
        if fault.outcome == "quarantined":
            assert fault.says in out


def test_the_clean_month_reconciles_file_by_file(corpus):
    good, _ = corpus
    for extract in CONTRACTS:
        ingested = ingest(good, extract)
        assert ingested.rows_read == pl.read_csv(file_of(good, extract), infer_schema=False).height


def test_a_file_larger_than_the_memory_budget_is_read_in_batches_with_the_same_answer(corpus, tmp_path):
    """Batches see the same rules: a case repeated across batches is still a duplicate, and the
    rows, their source rows and their reasons are those of reading the file whole."""
    from dagster_project.defs.ingest.boundary import ingest_in_batches

    good, _ = corpus
    folder = tmp_path / "2021-06"
    shutil.copytree(good, folder)
    path = file_of(folder, "cases")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([*lines, lines[1]]) + "\n", encoding="utf-8"
    )  # the first case again, at the end
    whole = ingest(folder, "cases")
    orgs = organisations()
    matters = ingest_file(file_of(folder, "matters"), CONTRACTS["matters"], context(orgs, None), "salt")
    ctx = context(orgs, frozenset(matters.loaded["matter_code"].to_list()))
    batches = list(
        ingest_in_batches(path, CONTRACTS["cases"], ctx, "salt", batch_bytes=path.stat().st_size // 5)
    )
    assert len(batches) >= 4
    loaded = pl.concat([b.loaded for b in batches])
    quarantined = pl.concat([b.quarantined for b in batches])
    assert loaded.equals(whole.loaded)
    assert quarantined.equals(whole.quarantined)
    assert quarantined.filter(pl.col("reason") == "duplicate_case_id")["source_row"].to_list() == [len(lines)]


def test_a_file_of_another_month_fails_also_when_read_in_batches(corpus, tmp_path):
    from dagster_project.defs.ingest.boundary import ingest_in_batches

    good, _ = corpus
    path = file_of(good, "cases")
    may = ValidationContext(
        month=dt.date(2021, 5, 1), known_org_codes=organisations().codes, known_matter_codes=None
    )
    with pytest.raises(FileProblem, match="wrong month inside the file"):
        list(ingest_in_batches(path, CONTRACTS["cases"], may, "salt", batch_bytes=path.stat().st_size // 3))


def test_a_month_ingested_under_a_small_memory_budget_builds_the_same_warehouse(
    built, tmp_path, monkeypatch, capsys
):
    from helpers import table_checksums

    raw, clean = built
    monkeypatch.setenv("YWTB_MEMORY_MB", "0.5")  # every cases file is far larger than 0.5 MB / 8
    working = tmp_path / "ywtb.duckdb"
    assert main(["run", "--months", "2021-05,2021-06", "--raw", str(raw), "--warehouse", str(working)]) == 0
    assert table_checksums(working) == table_checksums(clean)
