"""The job queue: huey, on the embedded SQLite file by default, on Redis or PostgreSQL when
deployed (JOBS_QUEUE_URL). The queue carries only job ids: what a job is lives in the database
(pipeline.jobs.models), so any backend will do and nothing personal sits in the queue.

Why huey: maintained, small, one API over the three stores this project has (SQLite needs no
server; Redis already serves the login limits in production; PostgreSQL is the database), a
consumer that runs threads and periodic tasks, and an immediate mode for development.
rq and arq are Redis-only, procrastinate PostgreSQL-only, Celery and Dramatiq need a broker."""
import os

from flask import current_app
from huey import PostgresHuey, RedisHuey, SqliteHuey, crontab

from pipeline.jobs.files import exports_folder
from pipeline.jobs.run import remove_expired, run_job

QUEUE_NAME = "ketnap-exports"
EXTENSION = "ketnap_jobs"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
CLEANUP_EVERY_MINUTES = 10


class QueueMisconfigured(ValueError):
    pass


def queue_settings(app):
    return (app.config.get("JOBS_QUEUE_URL") or None, bool(app.config.get("JOBS_IMMEDIATE")), app.instance_path)


def queue_of(app=None):
    """The application's queue, made once for its settings (the tests change them between tests)."""
    app = app or current_app._get_current_object()
    settings = queue_settings(app)
    made = app.extensions.get(EXTENSION)
    if made is None or made[0] != settings:
        made = app.extensions[EXTENSION] = (settings, _make_queue(app, *settings))
    return made[1]


def _make_queue(app, url, immediate, _instance_path):
    if not url:
        huey = SqliteHuey(QUEUE_NAME, filename=os.path.join(exports_folder(app), "queue.sqlite"),
                          immediate=immediate)
    elif url.startswith(REDIS_SCHEMES):
        huey = RedisHuey(QUEUE_NAME, url=url, immediate=immediate)
    elif url.startswith(POSTGRES_SCHEMES):
        dsn = "postgresql://" + url.split("://", 1)[1]  # psycopg's own spelling
        huey = PostgresHuey(QUEUE_NAME, dsn=dsn, immediate=immediate)
    else:
        raise QueueMisconfigured(f"JOBS_QUEUE_URL must be redis://, rediss://, unix:// or postgresql://, not {url!r}")

    def export(job_id):
        run_job(app, job_id)

    def cleanup():
        with app.app_context():
            remove_expired()

    huey.export = huey.task(name="export")(export)
    huey.periodic_task(crontab(minute=f"*/{CLEANUP_EVERY_MINUTES}"), name="remove_expired_exports")(cleanup)
    return huey


def enqueue(job_id):
    queue_of().export(job_id)
