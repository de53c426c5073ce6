"""The blocking checks a profile sets on a month's deliveries (schemas/profiles/<profile>/publication.yaml).

`load_publication_checks` validates the file and raises `PublicationChecksError` naming the file and
the entry at fault; `limits(extract)` gives the limits that apply to one extract.
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.profile import PROFILES_DIR


class PublicationChecksError(ValueError):
    """A checks file that cannot be used; the message names the file and the entry."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    quarantined_share_max: float = Field(ge=0, le=1)
    quarantined_rows_allowed: int = Field(ge=0)
    shrink_min: float = Field(ge=0, le=1)
    shrink_compared_from: int = Field(ge=0)


class _Overrides(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    quarantined_share_max: float | None = Field(default=None, ge=0, le=1)
    quarantined_rows_allowed: int | None = Field(default=None, ge=0)
    shrink_min: float | None = Field(default=None, ge=0, le=1)
    shrink_compared_from: int | None = Field(default=None, ge=0)


class Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day_of_month: int = Field(ge=1, le=28)
    hour: int = Field(ge=0, le=23)


class PublicationChecks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: Limits
    delivery: Delivery
    extracts: dict[str, _Overrides] = {}
    source: str = ""

    def limits(self, extract: str) -> Limits:
        own = self.extracts.get(extract)
        return self.defaults.model_copy(update=own.model_dump(exclude_none=True)) if own else self.defaults


@cache
def load_publication_checks(profile: str, known_extracts: frozenset[str]) -> PublicationChecks:
    path = PROFILES_DIR / profile / "publication.yaml"
    if not path.exists():
        shipped = sorted(p.name for p in PROFILES_DIR.iterdir() if p.is_dir())
        raise PublicationChecksError(f"{path}: no such profile (shipped: {', '.join(shipped)})")
    try:
        checks = PublicationChecks(
            **(yaml.safe_load(path.read_text(encoding="utf-8")) or {}), source=str(path)
        )
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PublicationChecksError(f"{path}: {where}: {first['msg']}") from None
    unknown = sorted(set(checks.extracts) - known_extracts)
    if unknown:
        raise PublicationChecksError(
            f"{path}: extracts.{unknown[0]}: not an extract (known: {', '.join(sorted(known_extracts))})"
        )
    return checks
