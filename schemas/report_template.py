"""The words an office writes in its monthly 情况通报, as data: one YAML file per city under
schemas/profiles/<city>/report.yaml.

The code knows the shape of a 公文 (版头, title, 主送, body, 附件说明, 成文日期, 版记) and computes every
figure; the template says who issues it, how issues are numbered, whom it is sent to, which 全市
figures 总体情况 states, the order in which 得分情况 names the groups, how many shortfalls 存在的问题
names and from what loss, the thresholds the body cites, and the 下步工作要求 in the office's words.

`load_report_template` validates a file and raises `ReportTemplateError` naming the file and the entry.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.profile import PROFILES_DIR
from schemas.rubric import Rubric

CODE = r"^[a-z][a-z0-9_]*$"
# What a text of the template may name: {year} 2021, {month} 6, {period} 2021年1—6月, {number} 6.
PLACEHOLDERS = {"year", "month", "period", "number"}


class ReportTemplateError(ValueError):
    """A template that cannot be used; the message names the file and the entry."""


class _Strict(BaseModel):
    # A misspelt key is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _placeholders_known(text: str) -> str:
    # YAML folds a long line with a space, which Chinese text does not have between characters
    # (an explicit line break, "\n" in a quoted string, stays: it is where a title turns its line).
    text = re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", text)
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if unknown := names - PLACEHOLDERS:
        raise ValueError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; a text may name {', '.join(sorted(PLACEHOLDERS))}"
        )
    return text


class IssueNumber(_Strict):
    """期号: one issue a month, `first_month` being issue 1 (a new series restarts it)."""

    format: str = "第{number}期"
    first_month: dt.date

    _known = field_validator("format")(_placeholders_known)

    @field_validator("first_month", mode="before")
    @classmethod
    def _month(cls, value):
        return dt.date.fromisoformat(f"{value}-01") if isinstance(value, str) and len(value) == 7 else value


class Figure(_Strict):
    """One 全市 figure: an indicator of indicators.ind_indicator_values summed over the city."""

    indicator: str = Field(pattern=CODE)
    label: str
    take: Literal["value", "numerator", "denominator"] = "value"  # a rate's counts are its numerator
    unit: str = ""  # 件, 条, 个; empty for a rate (printed as a percentage)


class Topic(_Strict):
    label: str  # （一）办件情况
    snapshot: bool = False  # a state at the month's end (the catalogue): no year-to-date sum
    figures: tuple[Figure, ...] = Field(min_length=1)


class Ranking(_Strict):
    groups: tuple[str, ...] = Field(min_length=1)  # the order the report names the rubric's groups
    top: int = Field(default=2, ge=1)
    bottom: int = Field(default=2, ge=1)


class Problems(_Strict):
    """存在的问题: a short selection, the costliest first."""

    topics: int = Field(ge=1)  # categories named, those that lost the most points
    items_per_topic: int = Field(ge=1)
    organisations_per_item: int = Field(ge=1)  # then "等N个单位"
    min_points_lost: float = Field(ge=0)  # a shortfall costing less is not named
    # The value the body cites where it is not the rubric's full-marks value (item code -> value).
    thresholds: dict[str, float] = {}
    # The unit a counted item's values are named in (item code -> 次, 个, 件).
    units: dict[str, str] = {}
    # Extracts whose absence the report names first (未报送).
    missing_extracts: tuple[str, ...] = ("cases", "matters")


class Requirement(_Strict):
    lead: str  # the bold first sentence: 提高思想认识。
    text: str

    _known = field_validator("lead", "text")(_placeholders_known)


# What a text of the weekly bulletin may name: {year} 2021, {number} 24 (the issue), {week}
# 6月14日至6月20日, {days} the monitored days it covers (6月15日、16日、17日).
WEEK_PLACEHOLDERS = {"year", "number", "week", "days"}


def _week_placeholders_known(text: str) -> str:
    text = re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", text)
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if unknown := names - WEEK_PLACEHOLDERS:
        raise ValueError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; a bulletin text may name "
            f"{', '.join(sorted(WEEK_PLACEHOLDERS))}"
        )
    return text


class WeeklyIssueNumber(_Strict):
    """期号 of the weekly bulletin: one issue a week, the week of `first_week` (a Monday) being 1."""

    format: str = "第{number}期"
    first_week: dt.date

    _known = field_validator("format")(_week_placeholders_known)

    @field_validator("first_week")
    @classmethod
    def _monday(cls, value: dt.date) -> dt.date:
        if value.weekday() != 0:
            raise ValueError(f"{value} is a {value:%A}; a week is named by its Monday")
        return value


class Bulletin(_Strict):
    """周通报: the weekly bulletin of the daily monitoring, a short 公文 of the same office. The office
    (版头, signature, 印发机关) is the report's unless given here."""

    masthead: str | None = None
    issue_number: WeeklyIssueNumber
    title: str
    addressees: str | None = None
    opening: str
    issued_days_after_week: int = Field(default=1, ge=1, le=7)  # 成文日期: 1 = the Monday after
    copied_to: str | None = None
    # 本月累计: figures of indicators.ind_indicator_values computed on the week's latest as-of extract
    figures: tuple[Figure, ...] = Field(min_length=1)
    requirements: tuple[Requirement, ...] = ()

    _known = field_validator("title", "opening")(_week_placeholders_known)

    def number(self, monday: dt.date) -> int:
        return (monday - self.issue_number.first_week).days // 7 + 1


class ReportTemplate(_Strict):
    issuer: str  # 发文机关: the signature and the 版头 unless `masthead` is given
    masthead: str | None = None  # 发文机关标志 where the full name is too long for one red line
    issue_number: IssueNumber
    title: str
    addressees: str | None = None  # 主送机关, ending with the full-width colon
    opening: str
    signature: str | None = None  # defaults to the issuer
    issued_on_day: int = Field(ge=1, le=28)  # 成文日期: this day of the month after the period
    copied_to: str | None = None  # 抄送
    printed_by: str  # 印发机关
    overview: tuple[Topic, ...] = Field(min_length=1)
    ranking: Ranking
    problems: Problems
    requirements: tuple[Requirement, ...] = Field(min_length=1)
    annexes_after: tuple[str, ...] = ()  # annexes after the rubric's (问题整改台账)
    bulletin: Bulletin | None = None  # the weekly bulletin's words; none: no bulletin is made

    _known = field_validator("title", "opening")(_placeholders_known)

    def number(self, month: dt.date) -> int:
        first = self.issue_number.first_month
        return (month.year - first.year) * 12 + month.month - first.month + 1

    def issued_on(self, month: dt.date) -> dt.date:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return following.replace(day=self.issued_on_day)


def check_template(template: ReportTemplate, rubric: Rubric, where: str | Path) -> None:
    """A template names the groups and items of the rubric it reports on; anything else is refused."""
    problems = [
        f"ranking.groups: {g!r} is not a group of rubric {rubric.rubric}"
        for g in template.ranking.groups
        if g not in rubric.groups
    ]
    items = {i.code for c in rubric.categories for i in c.items}
    problems += [
        f"problems.{entry}: {code!r} is not an item of rubric {rubric.rubric}"
        for entry in ("thresholds", "units")
        for code in getattr(template.problems, entry)
        if code not in items
    ]
    if problems:
        raise ReportTemplateError("\n".join(f"{where}: {p}" for p in problems))


def _where(error: dict) -> str:
    return ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in error["loc"]).replace(".[", "[")


def parse_report_template(text: str, name: str) -> ReportTemplate:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ReportTemplateError(f"{name}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ReportTemplateError(f"{name}: a report template is a mapping of keys")
    try:
        return ReportTemplate.model_validate(data)
    except ValidationError as e:
        lines = [
            f"{name}: {_where(err) or '(top level)'}: {err['msg'].removeprefix('Value error, ')}"
            for err in e.errors()
        ]
        raise ReportTemplateError("\n".join(lines)) from None


def template_path(profile_or_path: str | Path) -> Path:
    path = Path(profile_or_path)
    if path.suffix in {".yaml", ".yml"}:
        return path
    candidate = PROFILES_DIR / str(profile_or_path) / "report.yaml"
    if not candidate.exists():
        known = ", ".join(sorted(p.parent.name for p in PROFILES_DIR.glob("*/report.yaml")))
        raise ReportTemplateError(f"no report template for {profile_or_path!r}; shipped: {known}")
    return candidate


@cache
def load_report_template(profile_or_path: str | Path) -> ReportTemplate:
    """A shipped city's template by name (`dazhou`) or any template file by path."""
    path = template_path(profile_or_path)
    return parse_report_template(path.read_text(encoding="utf-8"), str(path))
