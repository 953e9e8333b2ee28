"""`flask --app wsgi generate --units 60000 --cases 1000000 [--seed N] [--today YYYY-MM-DD] [--reset]`."""
import click
from flask.cli import with_appcontext

from pipeline.base import clock
from pipeline.base.progress import CountProgress
from pipeline.generate.acting import GenerationBroken
from pipeline.generate.run import BATCH, GenerateRefused, generate


@click.command("generate")
@click.option("--units", type=click.IntRange(60, 200_000), default=60_000, show_default=True,
              help="units in all: a top, 34 provinces, ~5.5% communes, wards and special zones, the rest branches")
@click.option("--cases", type=click.IntRange(1, 20_000_000), default=1_000_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="the same seed gives the same database")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the day the data is as of (default: the application's today)")
@click.option("--password", default="demo", show_default=True, help="every generated account's password")
@click.option("--reset", is_flag=True, help="Empty the database first (every row is lost).")
@with_appcontext
def generate_command(units, cases, seed, today, password, reset):
    """Generate a national-scale database (every unit kind, stage and exit, valid chains) for benchmarks."""
    today = today.date() if today else clock.today()
    progress = CountProgress("Generating cases", "cases generated", every=BATCH * 5)
    try:
        counts = generate(units, cases, seed, today, reset=reset, password=password, progress=progress.echo,
                          case_progress=progress.update)
    except (GenerateRefused, GenerationBroken, ValueError) as refusal:  # a --today no rulebook covers, too
        raise click.ClickException(str(refusal))
    finally:
        progress.close()
    stages = ", ".join(f"{stage} {n}" for stage, n in sorted(counts["stages"].items()))
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts["unit_kinds"].items()))
    click.echo(f"Generated in {counts['seconds']:.1f} s as of {today.isoformat()}: {counts['units']} units ({kinds}), "
               f"{counts['accounts']} accounts (password \"{password}\"), {counts['cases']} cases, "
               f"{counts['log_rows']} log rows, {counts['overdue']} with an overdue deadline. By stage: {stages}.")
