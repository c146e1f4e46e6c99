"""The ``kezek`` command."""

from __future__ import annotations

import typer

from kezek.cli import db, draw, network, notify, plan, roster, serve, staff, telegram

app = typer.Typer(
    help="Kezek: booking, live queue and capacity planning for offices facing a deadline surge.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(draw.app, name="draw")
app.add_typer(network.app, name="network")
app.add_typer(notify.app, name="notify")
app.add_typer(telegram.app, name="telegram")
app.add_typer(staff.app, name="staff")
app.command("serve")(serve.serve)
app.command("plan")(plan.plan)
app.command("roster")(roster.roster)
app.command("simulate")(plan.simulate)
