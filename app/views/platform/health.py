"""``/health`` for monitors and load balancers: whether this app server reaches its database
and, when configured, Redis. No login, no data, no configuration in the answer.

The database failing means the server cannot serve anyone: 503, take it out of rotation.
Redis failing leaves pages working (login counting and kept figures fall back to memory)
but stops background jobs: 200 with ``"status": "degraded"``, so that a load balancer keeps
the servers while monitoring raises the alarm.
"""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
health = Blueprint("health", __name__)
OK, FAILING, NOT_CONFIGURED = "ok", "failing", "not configured"


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return OK
    except Exception:  # noqa: BLE001 — any failure is the answer
        log.warning("health: database unreachable", exc_info=True)
        db.session.rollback()
        return FAILING


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return OK
    except Exception:  # noqa: BLE001
        log.warning("health: Redis unreachable", exc_info=True)
        return FAILING


@health.get("/health")
def check():
    database, queue = _database(), _redis()
    if database != OK:
        status, code = "failing", 503
    elif queue == FAILING:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = jsonify(status=status, database=database, redis=queue)
    response.headers["Cache-Control"] = "no-store"
    return response, code
