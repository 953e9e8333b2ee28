"""`flask --app wsgi send-digests --period daily|weekly`: for cron. Sends nothing, and says so,
where no mail server is configured."""
import click
from flask.cli import with_appcontext

from pipeline.base import clock
from pipeline.queue.digests import PERIODS, send_digests as send
from pipeline.queue.mail import MailFailed, mail_configured


@click.command("send-digests")
@click.option("--period", type=click.Choice(PERIODS), required=True,
              help="send to the users who chose this period on their account page")
@with_appcontext
def send_digests(period):
    """E-mail each user who asked for it their queue and the overdue cases of their units."""
    if not mail_configured():
        click.echo("No mail server is configured (MAIL_SERVER): no digest sent.")
        return
    try:
        sent, empty, refused = send(period, clock.today())
    except MailFailed as failed:
        raise click.ClickException(f"The mail server could not be used, no digest sent: {failed}")
    click.echo(f"Sent {sent} {period} digest(s); {empty} user(s) had nothing waiting or overdue.")
    for address in refused:
        click.echo(f"Refused by the mail server: {address}", err=True)
    if refused:
        raise SystemExit(1)
