"""/health: what a monitor or load balancer needs, without login and without secrets."""

from sqlalchemy.exc import OperationalError

from app.extensions import db


def test_healthy_without_login_and_without_secrets(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok",
                                   "redis": "not configured"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_redis_down_is_degraded_not_out_of_rotation(app, monkeypatch):
    secret_url = "redis://:s3cret-pass@127.0.0.1:1/0"
    monkeypatch.setitem(app.config, "REDIS_URL", secret_url)
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "redis": "failing"}
    assert "s3cret" not in response.get_data(as_text=True)


def test_database_down_is_503(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", unreachable)
        response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "failing"
    assert response.get_json()["database"] == "failing"
