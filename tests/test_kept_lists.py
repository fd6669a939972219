"""List tables are kept until a commit changes a table they read (app/views/kept_lists.py,
app/services/data_versions.py). The whole suite runs with the cache on (conftest), so
every test that changes data and then reads a list also checks that the change is seen;
these tests check the cache itself: that it is used, and what it must never share."""

import re
import socket
import uuid

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Submission
from app.services.platform.data_versions import DataVersions, mark_written
from app.views.shell.kept_lists import CSRF_MARK, NONCE_MARK, list_cache_seconds
from tests.conftest import csrf_token_of, get_with_statements, logged_in_client, make_test_app

URL = "/submissionview/list/?_flt_0_uscc={uscc}"


def _submission_reads(app, client, url):
    response, reads = _get_counting_reads(app, client, url)
    return response.get_data(as_text=True), reads


def _get_counting_reads(app, client, url):
    """The response, and how many statements read the submission table for it."""
    response, statements = get_with_statements(app, client, url)
    return response, sum(bool(re.search(r"\bFROM submission\b", s)) for s in statements)


@pytest.fixture
def record(app):
    """A submission in 大连市中山区 (the demo county), by its USCC."""
    with app.app_context():
        row = db.session.execute(
            select(Submission.id, Submission.uscc, Submission.name)
            .where(Submission.region_code.like("210202%"), Submission.uscc.is_not(None))
            .order_by(Submission.id)).first()
    assert row is not None
    yield row  # outside the app context: requests must each get their own ``g``
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == row.id)
                           .values(name=row.name))
        db.session.commit()


def test_a_list_seen_again_is_not_read_again(app, province_client, record):
    url = URL.format(uscc=record.uscc)
    first, reads = _submission_reads(app, province_client, url)
    assert reads >= 2 and record.name in first  # count and page
    again, reads_again = _submission_reads(app, province_client, url)
    assert reads_again == 0
    per_request = re.compile(r'nonce="[^"]+"|name="csrf_token"[^>]*value="[^"]+"')
    assert per_request.sub("", again) == per_request.sub("", first)


def _rename_by_orm(row_id, name):
    db.session.get(Submission, row_id).name = name


def _rename_by_core(row_id, name):
    db.session.execute(update(Submission).where(Submission.id == row_id).values(name=name))


@pytest.mark.parametrize("rename", [_rename_by_orm, _rename_by_core])
def test_a_committed_change_shows_at_once(app, province_client, record, rename):
    url = URL.format(uscc=record.uscc)
    province_client.get(url)
    with app.app_context():
        rename(record.id, f"改过名字的企业{rename.__name__}")
        db.session.commit()
    page, reads = _submission_reads(app, province_client, url)
    assert reads >= 2 and f"改过名字的企业{rename.__name__}" in page


def test_a_change_rolled_back_keeps_the_list(app, province_client, record):
    url = URL.format(uscc=record.uscc)
    province_client.get(url)
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == record.id)
                           .values(name="未提交的名字"))
        db.session.rollback()
    page, reads = _submission_reads(app, province_client, url)
    assert reads == 0 and "未提交的名字" not in page


def test_a_table_kept_by_another_release_is_built_anew(app, province_client, record):
    """Redis outlives an upgrade, and old and new workers share it during a rolling
    restart: a table rendered by one release's templates is never served by another."""
    url = URL.format(uscc=record.uscc)
    province_client.get(url)
    assert _submission_reads(app, province_client, url)[1] == 0
    release = app.config["RELEASE"]
    try:
        app.config["RELEASE"] = "next-release"
        assert _submission_reads(app, province_client, url)[1] >= 2
        assert _submission_reads(app, province_client, url)[1] == 0
    finally:
        app.config["RELEASE"] = release
    assert _submission_reads(app, province_client, url)[1] == 0  # its own entry is still kept


def test_other_users_scopes_and_languages_get_their_own_table(app, province_client,
                                                                county_client, city_client):
    with app.app_context():  # a record in 沈阳市: the province's, not 大连's nor 中山区's
        uscc, name = db.session.execute(
            select(Submission.uscc, Submission.name)
            .where(Submission.region_code.like("2101%"), Submission.uscc.is_not(None))).first()
    url = URL.format(uscc=uscc)
    assert name in province_client.get(url).get_data(as_text=True)
    for other in (county_client, city_client):
        page, reads = _submission_reads(app, other, url)
        assert reads >= 2 and name not in page
    province_client.get("/lang/en")
    try:
        english = province_client.get(url).get_data(as_text=True)
        assert name in english and "Submitted at" in english and "提交时间" not in english
    finally:
        province_client.get("/lang/zh")


def test_the_kept_table_carries_this_requests_csrf_token_and_nonce(app, client_as, record):
    url = URL.format(uscc=record.uscc)
    first, second = client_as("province"), client_as("province")
    first_page = first.get(url).get_data(as_text=True)
    response, reads = _get_counting_reads(app, second, url)
    second_page = response.get_data(as_text=True)
    assert reads == 0  # the same user's table, kept
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
    assert set(re.findall(r'nonce="([^"]+)"', second_page)) == {nonce}
    assert NONCE_MARK not in second_page
    first_tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', first_page))
    second_tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', second_page))
    assert first_tokens and second_tokens == {csrf_token_of(second_page)}
    assert not first_tokens & second_tokens and CSRF_MARK not in second_page


def test_a_store_that_fails_costs_a_built_list_not_an_error(app, province_client, record,
                                                           monkeypatch):
    store = app.extensions["data_versions"].store

    def broken(*_args, **_kwargs):
        raise ConnectionError("store down")

    monkeypatch.setattr(store, "get", broken)
    page, reads = _submission_reads(app, province_client, URL.format(uscc=record.uscc))
    assert reads >= 2 and record.name in page


def _bell(page):
    found = re.search(r'id="bell-count">(\d+)<', page)
    return int(found[1]) if found else 0


def test_the_bell_count_is_kept_until_a_notification_is_written(app, county_client):
    from app.models import AppUser, Notification
    from app.services.platform.notifications import notify

    url = "/submissionview/list/"
    before, reads = get_with_statements(app, county_client, url)
    _again, reads_again = get_with_statements(app, county_client, url)
    assert not any("FROM notification" in s for s in reads_again)
    with app.app_context():
        user_id = db.session.execute(
            select(AppUser.id).where(AppUser.username == "county_reviewer")).scalar_one()
        notify([user_id], "新的提醒", "A new notice")
        db.session.commit()
    try:
        after = county_client.get(url).get_data(as_text=True)
        assert _bell(after) == _bell(before.get_data(as_text=True)) + 1
    finally:
        with app.app_context():
            db.session.execute(Notification.__table__.delete().where(
                Notification.text_en == "A new notice"))
            db.session.commit()


def test_the_search_form_is_kept_per_active_filter(app, province_client):
    """The kept search form carries the filters of its own address (FAB's script shows
    them as JSON, non-ASCII escaped)."""
    def shown(name, page):
        return name.encode("ascii", "backslashreplace").decode() in page

    first, second = "第一个名字", "第二个名字"
    province_client.get(f"/submissionview/list/?_flt_0_name={first}")
    page = province_client.get(f"/submissionview/list/?_flt_0_name={second}")
    assert shown(second, page.get_data(as_text=True))
    assert not shown(first, page.get_data(as_text=True))


def test_a_page_loads_its_user_roles_and_groups_in_one_query(app, province_client):
    _response, statements = get_with_statements(app, province_client, "/workbench/")
    user_reads = [s for s in statements if "ab_user" in s or "ab_role" in s]
    assert len(user_reads) == 1 and "ab_role" in user_reads[0] and "ab_group" in user_reads[0]


def test_off_without_a_store_every_process_shares(app, monkeypatch):
    with app.test_request_context():
        assert list_cache_seconds() == 300
        monkeypatch.setitem(app.config, "LIST_CACHE_ONE_PROCESS", False)
        assert list_cache_seconds() == 0  # several processes, memory: off
        monkeypatch.setitem(app.config, "CACHE_TYPE", "RedisCache")
        assert list_cache_seconds() == 300
        monkeypatch.setitem(app.config, "LIST_CACHE_SECONDS", 0)
        assert list_cache_seconds() == 0


# -- the versions themselves, on an engine of their own ---------------------------------

class _Store(dict):
    """The part of cachelib's interface DataVersions uses."""

    def set_many(self, mapping, timeout=None):
        self.update(mapping)

    def set(self, key, value, timeout=None):
        self[key] = value

    def get_many(self, *keys):
        return [self.get(key) for key in keys]

    def add(self, key, value, timeout=None):
        return self.setdefault(key, value) is value


@pytest.fixture
def versions(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'v.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alpha (id INTEGER PRIMARY KEY, x TEXT)")
        connection.exec_driver_sql("CREATE TABLE beta (id INTEGER PRIMARY KEY, x TEXT)")
    tracked = DataVersions(_Store(), ["alpha", "beta"])
    tracked.install(engine)
    yield tracked, engine
    engine.dispose()


def test_each_kind_of_write_renews_its_table_only_when_committed(versions):
    tracked, engine = versions
    before = tracked.snapshot()
    assert tracked.snapshot() == before  # reading renews nothing
    with Session(engine) as session:
        session.execute(text("INSERT INTO alpha (x) VALUES ('a')"))
        session.rollback()
    assert tracked.snapshot() == before
    with Session(engine) as session:
        session.execute(text("UPDATE \"beta\" SET x = 'b'"))
        session.commit()
    after_beta = tracked.snapshot()
    assert after_beta["alpha"] == before["alpha"] and after_beta["beta"] != before["beta"]
    with engine.begin() as connection:  # Core, driver SQL, no session
        connection.exec_driver_sql("DELETE FROM alpha")
    assert tracked.snapshot()["alpha"] != before["alpha"]
    with engine.begin() as connection:  # a write SQLAlchemy does not see (COPY)
        mark_written(connection, "Beta")
    assert tracked.snapshot()["beta"] != after_beta["beta"]


def test_a_lost_version_is_replaced_by_one_that_matches_nothing(versions):
    tracked, _engine = versions
    before = tracked.snapshot()
    tracked.store.clear()  # evicted, or Redis restarted
    assert tracked.snapshot()["alpha"] != before["alpha"]


def test_a_remembered_value_lives_until_its_tables_change(versions):
    tracked, engine = versions
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert tracked.remembered("k", ["alpha"], compute, 60) == 1
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO beta (x) VALUES ('other table')")
    assert tracked.remembered("k", ["alpha"], compute, 60) == 1
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO alpha (x) VALUES ('its table')")
    assert tracked.remembered("k", ["alpha"], compute, 60) == 2


def test_reads_are_collected_only_inside_reading(versions):
    tracked, engine = versions
    read: set[str] = set()
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT * FROM beta")
        with tracked.reading(read):
            connection.exec_driver_sql("SELECT a.id FROM alpha AS a JOIN \"beta\" b ON 1=1")
    assert read == {"alpha", "beta"}


# -- two app servers sharing Redis, as production runs -----------------------------------

def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_change_saved_on_one_server_shows_on_another(app, database_url, record):
    """Two applications with engines of their own (two servers, or two gunicorn workers)
    and one Redis: the one that keeps a list sees a change the other one commits."""
    shared = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:6379/14",
              "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:", "LIST_CACHE_ONE_PROCESS": False}
    reader, writer = make_test_app(database_url, **shared), make_test_app(database_url, **shared)
    client = logged_in_client(reader, "province")
    url = URL.format(uscc=record.uscc)
    client.get(url)
    _page, reads = _submission_reads(reader, client, url)
    assert reads == 0  # kept, in Redis
    with writer.app_context():
        db.session.execute(update(Submission).where(Submission.id == record.id)
                           .values(name="另一台服务器改的名字"))
        db.session.commit()
    page, reads = _submission_reads(reader, client, url)
    assert reads >= 2 and "另一台服务器改的名字" in page
    for application in (reader, writer):
        with application.app_context():
            db.engine.dispose()
