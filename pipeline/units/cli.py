"""`flask --app wsgi merge-units CODE... --into CODE --on DATE --as USERNAME [--accounts move|disable]
[--dry-run]`: the merge of the units with those codes into an existing unit, or into a new one
(`--new-code`, `--new-name`, `--new-kind`, `--parent`), from the given day. The plan is printed
first (what ends, moves and is disabled); `--dry-run` stops there. All or nothing."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from pipeline.accounts.models import User
from pipeline.base.errors import NotPermitted
from pipeline.base.formatting import format_day
from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.units.operations import UnitRefused
from pipeline.units.reorganise import ACCOUNT_CHOICES, NewUnit, carry_out, plan_merge
from pipeline.workflow.stages import stage_label


def _unit(code):
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise click.ClickException(_("No unit has the code %(code)s.", code=code))
    return unit


def _administrator(username):
    actor = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
    if actor is None or not actor.is_active or actor.role != "admin":
        raise click.ClickException(_("%(user)s is not an active administrator: only an administrator of a unit "
                                     "above reorganises units.", user=username))
    return actor


def print_plan(plan):
    """The plan in lines a person reads before confirming."""
    click.echo(_("From %(day)s:", day=format_day(plan.effective_date)))
    for unit in plan.ending:
        click.echo("  " + _("%(unit)s ends on %(day)s", unit=unit.name, day=format_day(plan.last_day)))
    for move in plan.units:
        click.echo("  " + _("unit %(unit)s moves from %(source)s to %(to)s", unit=move.subject.name,
                            source=move.source.name, to=move.to.name))
    for move in plan.cases:
        click.echo("  " + _("case %(name)s (%(stage)s) moves from %(source)s to %(to)s", name=move.subject.full_name,
                            stage=stage_label(move.subject.stage), source=move.source.name, to=move.to.name))
    for move in plan.accounts:
        if move.to is None:
            click.echo("  " + _("account %(user)s is disabled", user=move.subject.username))
        else:
            click.echo("  " + _("account %(user)s moves to %(to)s", user=move.subject.username, to=move.to.name))
    for problem in plan.problems:
        click.echo(_("Problem: %(problem)s", problem=problem), err=True)


@click.command("merge-units")
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "into_code", help="the code of the existing unit they merge into")
@click.option("--new-code", help="the code of a new unit they merge into")
@click.option("--new-name", help="its name")
@click.option("--new-kind", help="its kind (commune, ward, village…)")
@click.option("--parent", "parent_code", help="the code of the unit above the new one")
@click.option("--decides/--no-decides", default=False, help="whether the new unit decides admissions")
@click.option("--on", "effective_date", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="the first day of the merged unit (yyyy-mm-dd)")
@click.option("--accounts", type=click.Choice(sorted(ACCOUNT_CHOICES)), default="move",
              help="move the accounts of the units that end to the successor, or disable them")
@click.option("--as", "username", required=True, help="the administrator who records it")
@click.option("--reason", default="", help="the decision it follows (number, date)")
@click.option("--dry-run", is_flag=True, help="print the plan and write nothing")
@with_appcontext
def merge_units(codes, into_code, new_code, new_name, new_kind, parent_code, decides, effective_date, accounts,
                username, reason, dry_run):
    actor = _administrator(username)
    ending = [_unit(code) for code in codes]
    day = effective_date.date()
    if bool(into_code) == bool(new_code):
        raise click.ClickException(_("Give either --into (an existing unit) or --new-code with --new-name, "
                                     "--new-kind and --parent (a new unit)."))
    if into_code:
        successor = _unit(into_code)
    else:
        if not (new_name and new_kind and parent_code):
            raise click.ClickException(_("A new unit needs --new-name, --new-kind and --parent."))
        successor = NewUnit(new_code, new_name, new_kind, _unit(parent_code), decides)

    def planner():
        return plan_merge(actor, ending, successor, day, accounts)

    try:
        plan = planner()
        print_plan(plan)
        if plan.problems:
            click.get_current_context().exit(1)
        if dry_run:
            click.echo(_("Dry run: nothing was written."))
            return
        carry_out(actor, planner, reason)
    except NotPermitted as refused:
        raise click.ClickException(str(refused))
    except UnitRefused as refused:
        raise click.ClickException(str(refused.reason))
    click.echo(_("Merged: %(count)d unit(s) ended, %(cases)d case(s) moved.", count=len(plan.ending),
                 cases=len(plan.cases)))
