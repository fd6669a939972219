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


REVIEWERS = ("county", "city", "province")
PENDING = (w.PENDING_COUNTY, w.PENDING_CITY, w.PENDING_PROVINCE)


@pytest.mark.parametrize("chain", list(w.CHAINS))
@pytest.mark.parametrize("status", w.STATUSES)
@pytest.mark.parametrize("reviewer", REVIEWERS)
@pytest.mark.parametrize("action", [w.APPROVE, w.RETURN, w.REJECT, w.REVOKE])
def test_every_review_transition_allowed_or_refused(chain, status, reviewer, action):
    """The whole table: allowed exactly when the record waits at the reviewer's level
    (or, for revocation, when the province revokes an approved record)."""
    if action == w.REVOKE:
        allowed = reviewer == "province" and status == w.APPROVED
    else:
        allowed = w.level_of_status(status) == reviewer
    if not allowed:
        with pytest.raises(w.TransitionError):
            w.after_review(status, chain, action, reviewer)
        return
    result = w.after_review(status, chain, action, reviewer)
    expected = {w.RETURN: w.RETURNED, w.REJECT: w.REJECTED, w.REVOKE: w.PENDING_PROVINCE}
    if action in expected:
        assert result == expected[action]
    else:
        levels = w.CHAINS[chain]
        if status in levels and levels.index(status) + 1 < len(levels):
            assert result == levels[levels.index(status) + 1]
        else:
            assert result == w.APPROVED


@pytest.mark.parametrize("chain, path", [
    ("county", [w.PENDING_COUNTY, w.PENDING_CITY, w.PENDING_PROVINCE, w.APPROVED]),
    ("city", [w.PENDING_CITY, w.PENDING_PROVINCE, w.APPROVED]),
    ("province", [w.PENDING_PROVINCE, w.APPROVED]),
])
def test_the_whole_chain_for_each_setting(chain, path):
    status = w.status_after_submit(w.DRAFT, chain)
    seen = [status]
    while status != w.APPROVED:
        status = w.after_review(status, chain, w.APPROVE, w.level_of_status(status))
        seen.append(status)
    assert seen == path
