"""services.figure_cache: kept values per key, counted again on request, off at 0 seconds,
and a store that fails costs a recount, never an error."""

import pytest

from app.extensions import cache
from app.services.dashboard import cache as figure_cache


@pytest.fixture
def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)
    return calls, compute


def test_kept_until_asked_fresh_and_apart_per_key(app, counter):
    calls, compute = counter
    with app.app_context():
        cache.clear()
        first, when = figure_cache.remembered(("k", 1), compute, seconds=60)
        assert (first, figure_cache.remembered(("k", 1), compute, seconds=60)) == (
            1, (1, when))
        assert figure_cache.remembered(("k", 2), compute, seconds=60)[0] == 2
        assert figure_cache.remembered(("k", 1), compute, seconds=60, fresh=True)[0] == 3
        assert figure_cache.remembered(("k", 1), compute, seconds=60)[0] == 3
        assert len(calls) == 3
        cache.clear()


def test_zero_seconds_counts_every_time(app, counter):
    calls, compute = counter
    with app.app_context():
        for _ in range(3):
            figure_cache.remembered(("off",), compute, seconds=0)
        assert len(calls) == 3


def test_a_failing_store_means_counting_again(app, counter, monkeypatch, caplog):
    calls, compute = counter

    def broken(*_args, **_kwargs):
        raise ConnectionError("redis down")

    with app.app_context():
        monkeypatch.setattr(cache, "get", broken)
        monkeypatch.setattr(cache, "set", broken)
        assert figure_cache.remembered(("down",), compute, seconds=60)[0] == 1
        assert figure_cache.remembered(("down",), compute, seconds=60)[0] == 2
        assert "figure cache unavailable" in caplog.text


def test_figures_kept_by_another_release_are_counted_again(app, counter):
    """Redis outlives an upgrade: figures kept by the last release may be shaped for its
    templates, so the release is part of the key."""
    calls, compute = counter
    with app.app_context():
        cache.clear()
        release = app.config["RELEASE"]
        try:
            assert figure_cache.remembered(("upgrade",), compute, seconds=60)[0] == 1
            assert figure_cache.remembered(("upgrade",), compute, seconds=60)[0] == 1
            app.config["RELEASE"] = "next-release"
            assert figure_cache.remembered(("upgrade",), compute, seconds=60)[0] == 2
        finally:
            app.config["RELEASE"] = release
            cache.clear()
        assert len(calls) == 2
