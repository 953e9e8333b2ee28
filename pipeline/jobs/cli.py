"""`flask --app wsgi worker`: the queue's consumer, which makes the export jobs' files and removes
expired ones every few minutes; `flask --app wsgi remove-expired-exports`: that removal alone (for
cron, where jobs run immediately and no worker runs)."""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from pipeline.jobs.queue import queue_of
from pipeline.jobs.run import remove_expired


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 32), default=None,
              help="jobs made at once (default: the JOBS_WORKERS setting)")
@with_appcontext
def worker(threads):
    """Make the export jobs' files until stopped (SIGTERM, systemd's stop: the jobs under way are
    finished first; SIGINT: at once, and an interrupted job stays unfinished until it expires)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    removed = remove_expired()
    click.echo(f"Export worker started ({removed} expired export(s) removed).")
    consumer = queue_of(app).create_consumer(workers=threads or app.config["JOBS_WORKERS"], worker_type="thread",
                                             periodic=True, graceful_signal="TERM")
    consumer.run()


@click.command("remove-expired-exports")
@with_appcontext
def remove_expired_exports():
    """Remove the export jobs past their time, and their files."""
    click.echo(f"{remove_expired()} expired export(s) removed.")
