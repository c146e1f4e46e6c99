"""kezek notify …: the relay that sends the outbox, and the dead letters."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from kezek.bootstrap import build_context
from kezek.config import SettingsError, get_settings
from kezek.context import AppContext
from kezek.types import utcnow

app = typer.Typer(
    help="Messages to citizens: the relay and the dead letters.", no_args_is_help=True
)
log = logging.getLogger("kezek.notify")


def _context() -> AppContext:
    """The context from the settings; a wrong setting is said plainly, exit status 2."""
    try:
        return build_context(get_settings())
    except (SettingsError, ValidationError) as exc:  # the setting named, not a traceback
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@app.command()
def run(
    once: bool = typer.Option(False, "--once", help="One pass over what is due, then exit."),
) -> None:
    """Send the outbox (SMS, Telegram and e-mail, with retries), write the bookings'
    reminders as they come near, and follow up the draws: unconfirmed places go to the
    waitlist. Run as many as you like on PostgreSQL; one on SQLite."""
    from kezek.booking.reminders import LOOKAHEAD
    from kezek.booking.service import write_reminders
    from kezek.notify.relay import every
    from kezek.notify.service import relay
    from kezek.rounds.service import follow_up_all

    context = _context()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Reminders are written LOOKAHEAD before they are due: a pass a minute is plenty.
    reminders = every(min(60.0, LOOKAHEAD.total_seconds() / 4), lambda: write_reminders(context))
    # Unconfirmed places from draws given up, and free ones offered to the waitlist.
    rounds = every(60.0, lambda: follow_up_all(context))
    sender = relay(context, chores=[reminders, rounds])
    if not sender.transports:
        typer.secho(
            "No channel is configured: set KEZEK_SMS_URL, KEZEK_TELEGRAM_BOT_TOKEN or "
            "KEZEK_SMTP_HOST. The relay waits and sends nothing.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if once:
        done = sender.run_once()
        Console().print(
            f"Sent {done.sent}, to retry {done.retried}, dead {done.dead}, "
            f"deferred {done.deferred}."
        )
        return
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True  # finish the message in hand, then leave

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("relay started: %s", ", ".join(sorted(sender.transports)) or "no channel")
    sender.run(poll_seconds=context.settings.notify_poll_seconds, stop=lambda: stopping)


@app.command()
def dead(limit: int = typer.Option(50, min=1, max=10_000, help="How many to list.")) -> None:
    """List messages given up after their last try, newest first."""
    from kezek.notify.service import dead_letters

    context = _context()
    letters = dead_letters(context, limit=limit)
    if not letters:
        Console().print("No dead letters.")
        return
    table = Table("Id", "Kind", "Channel", "To", "Tries", "Last error", "Written (UTC)")
    for letter in letters:
        table.add_row(
            str(letter.id),
            letter.kind,
            letter.channel,
            letter.address,
            str(letter.attempts),
            letter.last_error,
            letter.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    Console(width=160).print(table)


@app.command()
def retry(
    ids: list[int] = typer.Argument(None, help="The dead letters to send again (see `dead`)."),
    every: bool = typer.Option(False, "--all", help="Every dead letter."),
) -> None:
    """Send dead letters again, after the cause (a gateway's credit, a setting) is fixed."""
    from kezek.notify.service import retry as requeue

    if not ids and not every:
        typer.secho("Name the dead letters to send again, or give --all.", fg="red", err=True)
        raise typer.Exit(2)
    context = _context()
    count = requeue(context, ids=None if every else ids, now=utcnow())
    Console().print(f"Queued again: {count}.")
