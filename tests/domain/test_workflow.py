import pytest

from app.domain import workflow as w


@pytest.mark.parametrize("chain, level, expected", [
    ("county", "county", w.PENDING_CITY),
    ("county", "city", w.PENDING_PROVINCE),
    ("county", "province", w.APPROVED),
    ("city", "county", w.PENDING_CITY),
    ("city", "city", w.PENDING_PROVINCE),
    ("province", "county", w.PENDING_PROVINCE),
    ("province", "city", w.PENDING_PROVINCE),
    ("province", "province", w.APPROVED),
])
def test_uploads_enter_the_chain_above_the_uploader(chain, level, expected):
    assert w.status_after_upload(chain, level) == expected


def test_province_uploads_can_be_reviewed():
    assert w.status_after_upload("county", "province", True) == w.PENDING_PROVINCE


def test_submit_goes_to_the_first_level_and_only_from_editable_states():
    assert w.status_after_submit(w.DRAFT, "county") == w.PENDING_COUNTY
    assert w.status_after_submit(w.RETURNED, "city") == w.PENDING_CITY
    with pytest.raises(w.TransitionError):
        w.status_after_submit(w.PENDING_COUNTY, "county")
