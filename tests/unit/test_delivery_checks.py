"""The blocking checks on a delivery, on hand-worked counts: they pass a dirty but usable file and
fail one that is mostly quarantined, entirely quarantined, or far smaller than the month before."""

import pytest

from dagster_project.defs.ingest.delivery_checks import delivery_problems
from schemas.publication import PublicationChecksError, load_publication_checks
from schemas.raw import CONTRACTS

CHECKS = load_publication_checks("dazhou", frozenset(CONTRACTS))
CASES = CHECKS.limits("cases")  # 5 % quarantined at most beyond 5 rows; at least half the month before


def problems(read, quarantined, before=None, limits=CASES):
    reasons = {"malformed_value(accept_time)": quarantined} if quarantined else {}
    return delivery_problems("办件数据.csv", read, quarantined, reasons, before, "2021-05", limits, "p.yaml")


def test_a_dirty_but_usable_file_passes():
    assert problems(2_000, 100) == []  # exactly 5 %
    assert problems(12, 2) == []  # 17 %, but two rows: within the small-file allowance


def test_a_file_mostly_quarantined_fails_naming_the_file_the_share_and_the_reason():
    (problem,) = problems(2_000, 101)
    assert problem.startswith("办件数据.csv: 101 of 2,000 rows quarantined (5.1%)")
    assert "malformed_value(accept_time) 101" in problem and "p.yaml" in problem


def test_a_file_with_no_valid_row_fails_however_small():
    assert len(problems(3, 3)) == 1


def test_a_file_far_smaller_than_the_month_before_fails():
    assert problems(999, 0, before=2_000) != []
    assert problems(1_000, 0, before=2_000) == []  # exactly half
    assert problems(10, 0, before=199) == []  # too small a month before to compare


def test_the_catalogue_has_a_stricter_shrink_limit_than_the_defaults():
    assert CHECKS.limits("matters").shrink_min == 0.8
    assert CHECKS.limits("cases").shrink_min == 0.5


def test_a_checks_file_naming_an_unknown_extract_is_refused(tmp_path, monkeypatch):
    from schemas import publication

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "publication.yaml").write_text(
        "defaults: {quarantined_share_max: 0.05, quarantined_rows_allowed: 5, shrink_min: 0.5, "
        "shrink_compared_from: 200}\ndelivery: {day_of_month: 5, hour: 6}\n"
        "extracts:\n  casess: {shrink_min: 0.9}\n"
    )
    monkeypatch.setattr(publication, "PROFILES_DIR", tmp_path)
    with pytest.raises(PublicationChecksError, match=r"publication.yaml: extracts.casess: not an extract"):
        load_publication_checks("x", frozenset(CONTRACTS))
    (tmp_path / "x" / "publication.yaml").write_text("defaults: {quarantined_share_max: 5}\n")
    with pytest.raises(PublicationChecksError, match=r"defaults.quarantined_share_max"):
        load_publication_checks("x", frozenset({"cases"}))
