"""Bad profile data fails when the profile is loaded, naming the file and the row to fix."""

import shutil

import pytest

from schemas import profile as profiles
from schemas.profile import ProfileError, load_profile


@pytest.fixture
def profile_copy(tmp_path, monkeypatch):
    """A copy of the dazhou profile, named 'copy', that a test may spoil."""
    shutil.copytree(profiles.PROFILES_DIR / "dazhou", tmp_path / "copy")
    monkeypatch.setattr(profiles, "PROFILES_DIR", tmp_path)
    yield tmp_path / "copy"
    load_profile.cache_clear()


def test_the_copy_loads_as_the_shipped_profile(profile_copy):
    assert len(load_profile("copy").table_rows("ops_city")) == 41


def test_a_printed_row_naming_an_unknown_organisation_is_refused_naming_the_file_and_the_row(profile_copy):
    seed = profile_copy / "seeds" / "ref_published_rows.csv"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(
        text.replace("ops_city,6,市税务局,511700006", "ops_city,6,市税务局,511700099"), encoding="utf-8"
    )
    with pytest.raises(ProfileError) as refused:
        load_profile("copy")
    assert str(refused.value) == (
        f"{seed}, row 7 (ops_city 市税务局): org_code '511700099' is not in ref_organisations.csv"
    )
