"""app/release.py: the release's fingerprint (part of every kept entry's key) and the
content hash in static URLs."""

import hashlib

from flask import url_for

from app.release import StaticVersions, fingerprint


def test_the_fingerprint_follows_the_release_files(tmp_path):
    (tmp_path / "templates").mkdir()
    page, code = tmp_path / "templates" / "list.html", tmp_path / "views.py"
    page.write_text("<table>", encoding="utf-8")
    code.write_text("x = 1", encoding="utf-8")
    first = fingerprint([tmp_path])
    assert fingerprint([tmp_path]) == first

    (tmp_path / "views.cpython-311.pyc").write_bytes(b"\0compiled")  # not a release file
    (tmp_path / "upload.xlsx").write_bytes(b"data")
    assert fingerprint([tmp_path]) == first

    page.write_text("<table class='x'>", encoding="utf-8")
    changed = fingerprint([tmp_path])
    assert changed != first
    page.rename(tmp_path / "templates" / "other.html")  # same content, other file
    assert fingerprint([tmp_path]) not in (first, changed)


def test_static_versions_are_content_hashes_of_files_inside_the_folder(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.js").write_text("run()", encoding="utf-8")
    (tmp_path / "secret.py").write_text("KEY = 1", encoding="utf-8")
    versions = StaticVersions(tmp_path / "static")
    assert versions.of("app.js") == hashlib.sha256(b"run()").hexdigest()[:12]
    assert versions.of("missing.js") is None
    assert versions.of("../secret.py") is None


def test_static_urls_carry_the_file_content_hash(app):
    css = app.static_folder + "/css/app.css"
    expected = hashlib.sha256(open(css, "rb").read()).hexdigest()[:12]
    with app.test_request_context("/"):
        assert url_for("static", filename="css/app.css") == f"/static/css/app.css?v={expected}"
        assert url_for("static", filename="css/none.css") == "/static/css/none.css"


def test_pages_link_versioned_static_files_and_they_are_served(app):
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    with app.test_request_context("/"):
        link = url_for("static", filename="css/app.css")
    assert "?v=" in link and f'href="{link}"' in page
    served = client.get(link)
    assert served.status_code == 200 and b"{" in served.data
