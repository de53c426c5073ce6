"""Every indicator the dbt models compute through `indicator_rows` is in the indicator catalogue
(dbt/seeds/ref_indicators.csv): a code the catalogue lacks would be dropped by the join on the
catalogue, and the indicator it was meant to be would read 0 or '—' instead of failing."""

import csv
import re
from pathlib import Path

DBT = Path(__file__).resolve().parents[2] / "dbt"
# One entry of the macro's list: ['code', numerator, denominator or none].
ENTRY = re.compile(r"\[\s*'([a-z0-9_]+)'\s*,")
CALL = re.compile(r"indicator_rows\(\s*\[(.*?)\]\s*\)\s*}}", re.DOTALL)


def indicator_rows_codes(sql: str) -> list[str]:
    return [code for block in CALL.findall(sql) for code in ENTRY.findall(block)]


def catalogue() -> set[str]:
    with (DBT / "seeds" / "ref_indicators.csv").open(encoding="utf-8", newline="") as f:
        return {row["indicator_code"] for row in csv.DictReader(f)}


def computed() -> dict[str, list[str]]:
    """model file -> the codes its indicator_rows calls produce."""
    found = {}
    for path in sorted((DBT / "models").rglob("*.sql")):
        codes = indicator_rows_codes(path.read_text(encoding="utf-8"))
        if codes:
            found[str(path.relative_to(DBT))] = codes
    return found


def test_the_parser_finds_every_entry_of_an_indicator_rows_call():
    sql = """from t, {{ indicator_rows([
        ['applied_cases', 'applied', none],
        ['on_time_rate', 'finished - finished_late', 'finished'],
    ]) }}"""
    assert indicator_rows_codes(sql) == ["applied_cases", "on_time_rate"]


def test_every_indicator_rows_code_is_in_the_catalogue():
    found = computed()
    assert found, "no indicator_rows call found under dbt/models"
    unknown = {model: sorted(set(codes) - catalogue()) for model, codes in found.items()}
    unknown = {model: codes for model, codes in unknown.items() if codes}
    assert not unknown, f"indicator_rows codes not in dbt/seeds/ref_indicators.csv: {unknown}"


def test_no_indicator_is_computed_twice():
    codes = [code for codes in computed().values() for code in codes]
    assert sorted({c for c in codes if codes.count(c) > 1}) == []
