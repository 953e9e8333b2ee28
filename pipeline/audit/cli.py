"""`flask --app wsgi audit verify [--unit CODE]` walks the hash chains and exits 1 when any is
broken; `flask --app wsgi audit head [--unit CODE]` prints the chain head to compare with paper."""
import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from pipeline.audit.head import unit_head
from pipeline.audit.verify import case_names, verify
from pipeline.extensions import db
from pipeline.units.models import Unit


def _unit(code):
    if code is None:
        return None
    unit = db.session.execute(select(Unit).filter_by(code=code)).scalar_one_or_none()
    if unit is None:
        raise click.BadParameter(f"no unit with code {code!r}", param_hint="--unit")
    return unit


@click.group("audit")
def audit():
    """Checks of the act log."""


@audit.command("verify")
@click.option("--unit", "unit_code", default=None, help="code of the unit whose subtree is checked (default: all)")
@with_appcontext
def verify_command(unit_code):
    """Walk every case's hash chain; report the first edited, inserted or deleted row of each."""
    root = _unit(unit_code)
    report = verify(root)
    names = case_names([b.case_id for b in report.breaks])
    with force_locale("en"):  # like the other commands' output
        for broken in report.breaks:
            name, branch = names.get(broken.case_id, ("?", "?"))
            act = f" ({broken.act})" if broken.act else ""
            click.echo(f"case {broken.case_id} ({name}, {branch}), act no. {broken.seq}{act}: "
                       f"{broken.kind}: {broken.detail}")
    click.echo(f"Cases checked: {report.cases}")
    click.echo(f"Rows checked: {report.rows}")
    click.echo(f"Broken: {len(report.breaks)}")
    if not report.ok:
        raise SystemExit(1)


@audit.command("head")
@click.option("--unit", "unit_code", default=None, help="code of the unit (default: every top-level unit)")
@with_appcontext
def head_command(unit_code):
    """Print the chain head of a unit's cases, as its reports print it."""
    root = _unit(unit_code)
    roots = [root] if root else db.session.execute(select(Unit).where(Unit.parent_id.is_(None))
                                                   .order_by(Unit.code)).scalars().all()
    for unit in roots:
        head = unit_head(unit)
        click.echo(f"{unit.code} ({unit.name}): cases {head.cases}, acts {head.acts}, chain head {head.hash}")
