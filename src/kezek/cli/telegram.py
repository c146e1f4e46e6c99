"""kezek telegram …: how the bot hears citizens, by webhook or by long polling."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import typer
from rich.console import Console

from kezek.bootstrap import build_context
from kezek.config import SettingsError, get_settings
from kezek.context import AppContext

app = typer.Typer(
    help="The Telegram bot: its webhook, or polling where Telegram cannot reach the server.",
    no_args_is_help=True,
)
log = logging.getLogger("kezek.telegram")


def _context() -> AppContext:
    try:
        return build_context(get_settings())
    except SettingsError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(1)


@app.command()
def poll(
    once: bool = typer.Option(False, "--once", help="Answer what is waiting, then exit."),
    wait: int = typer.Option(25, min=0, max=50, help="Seconds each getUpdates call waits."),
) -> None:
    """Fetch what citizens write to the bot (getUpdates) and answer it, for a server
    Telegram cannot reach. Run one, beside a relay (kezek notify run) that sends the answers."""
    from kezek.admin.telegram import poll as answer_updates
    from kezek.notify.telegram import BotApiError

    context = _context()
    if context.settings.telegram_bot_token is None:
        raise _fail("Set KEZEK_TELEGRAM_BOT_TOKEN: the bot's token from @BotFather.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True  # after the getUpdates call in hand

    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("polling Telegram for updates")
    try:
        answered = answer_updates(context, stop=lambda: stopping, wait=wait, once=once)
    except BotApiError as exc:
        if exc.status == 409:
            raise _fail(
                "A webhook is set for this bot: Telegram gives no updates to polling. "
                "Remove it with `kezek telegram webhook --delete`, or keep the webhook."
            ) from None
        raise _fail(f"Telegram refused: {exc}") from None
    Console().print(f"Answered {answered} updates.")


@app.command()
def webhook(
    url: str = typer.Argument(
        None, help="The webhook's public HTTPS address; default: KEZEK_PUBLIC_URL's."
    ),
    delete: bool = typer.Option(False, "--delete", help="Remove the webhook (to poll instead)."),
) -> None:
    """Tell Telegram to post updates to this server's /telegram/webhook, with the secret
    KEZEK_TELEGRAM_WEBHOOK_SECRET that the route checks."""
    from kezek.admin.telegram import delete_webhook, set_webhook
    from kezek.notify.telegram import BotApiError
    from kezek.web.telegram import PATH

    context = _context()
    settings = context.settings
    try:
        if delete:
            delete_webhook(context)
            Console().print("Webhook removed: `kezek telegram poll` can fetch updates now.")
            return
        target = url or f"{settings.public_url.rstrip('/')}{PATH}"
        if not target.startswith("https://"):
            raise _fail(f"Telegram posts only to HTTPS addresses, not to {target}.")
        secret = settings.telegram_webhook_secret
        if secret is None or not _valid_secret(secret.get_secret_value()):
            raise _fail(
                "Set KEZEK_TELEGRAM_WEBHOOK_SECRET to 16 to 256 characters of A-Z, a-z, 0-9, "
                "_ and - (Telegram's rule), for example: openssl rand -hex 32"
            )
        set_webhook(context, url=target)
    except BotApiError as exc:
        raise _fail(f"Telegram refused: {exc}") from None
    Console().print(f"Webhook set: Telegram posts updates to {target}.")


def _valid_secret(secret: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return 16 <= len(secret) <= 256 and set(secret) <= allowed
