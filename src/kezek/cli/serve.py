"""kezek serve"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

import typer
import uvicorn

from kezek.config import Settings, SettingsError, get_settings

# How long a stopping worker lets the requests under way finish (the board streams end at
# once); any still running then is cancelled, and its transaction rolls back.
GRACEFUL_STOP_SECONDS = 20


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes."),
    relay: bool = typer.Option(
        False, "--relay", help="Also run a notifications relay (kezek notify run) beside it."
    ),
) -> None:
    """Serve the web app and the API."""
    try:
        # Fail here, once, with a readable message instead of in every worker.
        get_settings().secret_bytes()
    except SettingsError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    # Each worker writes its metrics here; /metrics in any worker sums them all.
    settings = get_settings()
    metrics_dir = settings.var_dir / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    sender = subprocess.Popen([sys.executable, "-m", "kezek", "notify", "run"]) if relay else None
    try:
        _serve(host, port, workers, settings)
    finally:
        if sender is not None:
            sender.terminate()
            sender.wait(timeout=30)


def _serve(host: str, port: int, workers: int, settings: Settings) -> None:
    uvicorn.run(
        "kezek.app:create_worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **server_options(settings),
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options as ``kezek serve`` runs it, for its workers and the tests' servers."""
    return {
        # The app reads forwarded addresses itself, from KEZEK_TRUSTED_PROXIES only.
        "proxy_headers": False,
        # uvicorn's httptools protocol with limits on a request's head and slow clients.
        "http": "kezek.http.server:GuardedHttpToolsProtocol",
        "limit_concurrency": settings.http_max_connections,
        "timeout_graceful_shutdown": GRACEFUL_STOP_SECONDS,
        "access_log": False,  # kezek.logs writes one line per request, with its id
        "log_config": None,  # the app configures JSON logging in each worker
    }
