"""Celery worker entry point (used when REDIS_URL is set):

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/celery -A app.worker worker --pool solo

Creating the app here is this module's purpose: the worker process imports it once.
"""

from app import create_app
from app.celery_tasks import make_celery

flask_app = create_app()
celery = make_celery(flask_app)
