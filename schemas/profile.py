"""A jurisdiction profile: everything that makes one city's scorecard differ from another's, as files
under schemas/profiles/<profile>/ (docs/profiles.md):

profile.yaml                    the city's name, its rubrics, its 好差评 and case rules
seeds/ref_organisations.csv     its organisations (dbt seeds, loaded into `reference` by `dbt seed`)
seeds/ref_org_aliases.csv       the other names its tables print for them (printed_in: which tables)
seeds/ref_published_rows.csv    each published table's rows: the order and the names as printed
seeds/ref_calendar_overrides.csv  days the city works or rests against the national calendar
publication.yaml, report.yaml   its blocking checks and the words of its 通报

`load_profile` validates them all and raises `ProfileError` naming the file and the entry at fault.
No code names a city: choosing a profile (`--profile`, YWTB_PROFILE) chooses all of it.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PROFILES_DIR = Path(__file__).with_name("profiles")
ORG_LEVELS = ("city_dept", "county", "county_dept", "street")
SEED_FILES = ("ref_organisations", "ref_org_aliases", "ref_published_rows", "ref_calendar_overrides")


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayCount(_Strict):
    days: int = Field(ge=0, le=90)
    count: Literal["calendar", "working"]


class Rules(_Strict):
    """The 好差评 and case rules the cities' documents vary."""

    # A finished case nobody rates within this many days gets a default rating (默认好评).
    default_evaluation_after: DayCount
    # A bad rating's rectification (整改) is due this many days after the rating.
    rectification_due_after: DayCount
    # The phone revisit (回访) of a bad rating is due this many days after it.
    revisit_within: DayCount


class Monitoring(_Strict):
    """The daily monitoring's warning levels of an open case (docs/monitoring.md), by the working days
    left to its promised deadline, judged at 00:00 of the as-of day: 红 past the deadline; 黄 due
    within `yellow_within_working_days` (0: by the end of the as-of day); 提示 due within
    `notice_within_working_days`."""

    yellow_within_working_days: int = Field(ge=0, le=30)
    notice_within_working_days: int = Field(ge=0, le=30)
    # The hour (Beijing time) the daily monitoring runs on its schedule, once switched on.
    runs_at_hour: int = Field(default=7, ge=0, le=23)

    @model_validator(mode="after")
    def _notice_before_yellow(self) -> Monitoring:
        if self.notice_within_working_days < self.yellow_within_working_days:
            raise ValueError(
                "notice_within_working_days must be at least yellow_within_working_days "
                "(提示 comes before 黄)"
            )
        return self


class ProfileFile(_Strict):
    title: str  # the jurisdiction as its documents name it
    source: str = ""
    rubric: str | None = None  # the rubric `ywtb run` scores with (points and annexes)
    targets: str | None = None  # the rubric whose targets are checked (met or not)
    # The tables besides the rubric's annexes a month publishes (out/<YYYY-MM>/<table>.csv): the
    # 运行情况表 (schemas/marts/ops.py) or the target rubric's tables.
    publishes: tuple[str, ...] = ()
    rules: Rules
    monitoring: Monitoring | None = None  # None: the jurisdiction runs no daily monitoring


class Organisation(_Strict):
    org_code: str = Field(pattern=r"^\d{6,12}$")
    org_name: str = Field(min_length=1)
    org_level: Literal["city_dept", "county", "county_dept", "street"]
    region_code: str = Field(pattern=r"^\d{6}$")
    city_group: Literal["A", "B"] | None = None
    population: int | None = Field(default=None, gt=0)


class PublishedRow(_Strict):
    table_name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    row_number: int = Field(ge=1)
    printed_name: str = Field(min_length=1)
    org_code: str


class CalendarOverride(_Strict):
    calendar_date: dt.date
    is_workday: bool
    note: str = Field(min_length=1)


class Profile(_Strict):
    name: str
    folder: Path
    title: str
    rubric: str | None
    targets: str | None
    publishes: tuple[str, ...]
    rules: Rules
    monitoring: Monitoring | None
    organisations: tuple[Organisation, ...]
    aliases: dict[str, str]  # alias -> org_code
    # table -> org_code -> the name that table prints (an alias with `printed_in`), for the tables
    # whose rows the pipeline orders itself (the annexes rank theirs)
    printed_names: dict[str, dict[str, str]]
    published_rows: tuple[PublishedRow, ...]
    calendar_overrides: tuple[CalendarOverride, ...]

    def seeds(self) -> Path:
        return self.folder / "seeds"

    def table_rows(self, table_name: str) -> list[PublishedRow]:
        """The rows a published table prints, in its order; empty if the profile does not fix them."""
        return sorted(
            (r for r in self.published_rows if r.table_name == table_name), key=lambda r: r.row_number
        )


def profile_names() -> list[str]:
    return sorted(p.name for p in PROFILES_DIR.iterdir() if (p / "profile.yaml").exists())


def profile_folder(name: str) -> Path:
    folder = PROFILES_DIR / name
    if not (folder / "profile.yaml").exists():
        raise ProfileError(f"no profile {name!r}; shipped profiles: {', '.join(profile_names())}")
    return folder


@cache
def load_profile(name: str) -> Profile:
    folder = profile_folder(name)
    head = _read_yaml(folder / "profile.yaml")
    seeds = folder / "seeds"
    orgs = _read_rows(seeds / "ref_organisations.csv", Organisation, "org_code")
    problems = _duplicates(seeds / "ref_organisations.csv", orgs, "org_code")
    problems += _duplicates(seeds / "ref_organisations.csv", orgs, "org_name")
    codes = {o.org_code: o for o in orgs}
    counties = {o.org_code for o in orgs if o.org_level == "county"}
    for n, o in enumerate(orgs, start=2):
        if o.org_level in ("county_dept", "street") and o.region_code not in counties:
            problems.append(
                f"{seeds / 'ref_organisations.csv'}, row {n} ({o.org_name}): its region_code {o.region_code} "
                "is not a county of this file"
            )
    aliases: dict[str, str] = {}
    printed_names: dict[str, dict[str, str]] = {}
    alias_file = seeds / "ref_org_aliases.csv"
    for n, row in enumerate(_csv(alias_file), start=2):
        alias, code = row.get("alias_name", ""), row.get("org_code", "")
        for table in (row.get("printed_in") or "").split():
            if code in printed_names.setdefault(table, {}):
                problems.append(
                    f"{alias_file}, row {n} ({alias}): {table} already prints another name for {code}"
                )
            printed_names[table][code] = alias
        if code not in codes:
            problems.append(
                f"{alias_file}, row {n} ({alias}): org_code {code!r} is not in ref_organisations.csv"
            )
        elif alias in aliases or any(o.org_name == alias and o.org_code != code for o in orgs):
            problems.append(f"{alias_file}, row {n} ({alias}): the name is already another organisation's")
        aliases[alias] = code
    published = _read_rows(seeds / "ref_published_rows.csv", PublishedRow, "printed_name")
    problems += _published_problems(seeds / "ref_published_rows.csv", published, codes)
    overrides = _read_rows(seeds / "ref_calendar_overrides.csv", CalendarOverride, "calendar_date")
    problems += _duplicates(seeds / "ref_calendar_overrides.csv", overrides, "calendar_date")
    if problems:
        raise ProfileError("\n".join(problems))
    profile = Profile(
        name=name,
        folder=folder,
        title=head.title,
        rubric=head.rubric,
        targets=head.targets,
        publishes=head.publishes,
        rules=head.rules,
        monitoring=head.monitoring,
        organisations=tuple(orgs),
        aliases=aliases,
        printed_names=printed_names,
        published_rows=tuple(published),
        calendar_overrides=tuple(overrides),
    )
    _check_rubrics(profile)
    return profile


def _read_yaml(path: Path) -> ProfileFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML: {e}") from None
    try:
        return ProfileFile.model_validate(data)
    except ValidationError as e:
        raise ProfileError(
            "\n".join(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        ) from None


def _csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read_rows(path: Path, model: type[BaseModel], label: str) -> list:
    """Every row of a seed as `model`; empty strings are missing values. Row numbers count the header."""
    rows, problems = [], []
    for n, row in enumerate(_csv(path), start=2):
        try:
            rows.append(model.model_validate({k: v for k, v in row.items() if v != ""}))
        except ValidationError as e:
            fields = ", ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            problems.append(f"{path}, row {n} ({row.get(label, '')}): {fields}")
    if problems:
        raise ProfileError("\n".join(problems))
    return rows


def _duplicates(path: Path, rows: list, field: str) -> list[str]:
    seen, problems = set(), []
    for n, row in enumerate(rows, start=2):
        value = getattr(row, field)
        if value in seen:
            problems.append(f"{path}, row {n}: {field} {value} appears twice")
        seen.add(value)
    return problems


def _published_problems(path: Path, rows: list[PublishedRow], codes: dict[str, Organisation]) -> list[str]:
    problems, by_table = [], {}
    for n, row in enumerate(rows, start=2):
        if row.org_code not in codes:
            problems.append(
                f"{path}, row {n} ({row.table_name} {row.printed_name}): org_code {row.org_code!r} "
                "is not in ref_organisations.csv"
            )
        by_table.setdefault(row.table_name, []).append((n, row))
    for table, numbered in by_table.items():
        numbers = sorted(r.row_number for _, r in numbered)
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"{path}: table {table}: row_number must run 1..{len(numbers)} once each")
        for field in ("org_code", "printed_name"):
            seen: set[str] = set()
            for n, r in numbered:
                if getattr(r, field) in seen:
                    problems.append(f"{path}, row {n}: table {table} lists {field} {getattr(r, field)} twice")
                seen.add(getattr(r, field))
    return problems


def _check_rubrics(profile: Profile) -> None:
    from schemas.marts.ops import LAYOUTS
    from schemas.rubric import RubricError, load_rubric

    path = profile.folder / "profile.yaml"
    for key in ("rubric", "targets"):
        name = getattr(profile, key)
        if name is None:
            continue
        try:
            load_rubric(name)
        except RubricError as e:
            raise ProfileError(f"{path}: {key}: {e}") from None
    known = set(LAYOUTS) | (set(load_rubric(profile.targets).tables) if profile.targets else set())
    annexes = set(load_rubric(profile.rubric).annexes) if profile.rubric else set()
    for table in set(profile.printed_names) - known - annexes:
        raise ProfileError(
            f"{profile.seeds() / 'ref_org_aliases.csv'}: printed_in: unknown table {table!r}; "
            f"known: {', '.join(sorted(known | annexes))}"
        )
    for table in profile.publishes:
        if table not in known:
            raise ProfileError(
                f"{path}: publishes: unknown table {table!r}; known: {', '.join(sorted(known))}"
            )
    for table in {r.table_name for r in profile.published_rows} - known:
        raise ProfileError(
            f"{profile.seeds() / 'ref_published_rows.csv'}: unknown table {table!r}; known: {', '.join(sorted(known))}"
        )


class ProfileMismatch(RuntimeError):
    """A warehouse holds one jurisdiction's data: a run of another profile would mix the two."""


def mismatch_message(warehouse: Path, held: str, asked: str) -> str:
    return (
        f"{warehouse} was built with profile {held!r}; this run asks for {asked!r}. One warehouse holds "
        f"one jurisdiction: use --warehouse for another file (or --profile {held})"
    )
