"""A long line worked out in a process of its own, beside the web worker that keeps it.

Working out a line of thousands is a tenth of a second of pure Python: reading the rows,
making them the policy's tickets, playing the policy forward. Done by a web worker, it
holds the worker's interpreter all that while, and every other request of the worker (a
clerk's call-next too) waits for it in slices of the switch interval. So a line that was
long at its last work is worked out by a child process of the worker's own, which the
operating system runs beside the worker: the worker's thread only waits for the answer,
without the interpreter (its request's connection stays checked out, as for its own work),
and reads it back in a few milliseconds. With 5,000 waiting, call-next's p99 went from
1.36-1.48 to 1.07-1.11 times pgbench's (``bench/queue_day.py --phones 5000``; the README's
eleventh round).

A short line stays in the worker: its work takes less than the round trip. Whatever goes
wrong in the child (it died, the database refused it, it took too long), the worker works
the line out itself, and starts a new child the next time.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from multiprocessing.connection import wait as first_ready
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from kezek.config import Settings
from kezek.db import make_engine, make_sessionmaker, read_session
from kezek.network.directory import OfficeInfo
from kezek.queue.status import ROW_WIDTH, LineEstimate, work_out_line

log = logging.getLogger(__name__)

# The longest a worker waits for the child before working the line out itself.
WAIT_SECONDS = 30.0

# What the child sends back: the estimates, the waiting tickets' ids, and the rows of the
# line's tickets as plain tuples (``ROW_WIDTH`` columns: a ticket's page).
_Shipped = tuple[dict[int, datetime], list[int], list[tuple[Any, ...]]]


class LineProcess:
    """The child process that works out this worker's long lines: started by ``start``, or
    at the first long line."""

    def __init__(self, settings: Settings, *, from_waiting: int) -> None:
        self._settings = settings
        self.from_waiting = from_waiting
        self._pool: ProcessPoolExecutor | None = None
        self._starting = threading.Lock()
        self.worked = 0  # lines the child worked out (for tests and diagnosis)

    def takes(self, waiting_before: int | None) -> bool:
        """Whether a line that had ``waiting_before`` waiting at its last work goes to the
        child. One the worker has not worked out before (None) is worked out by the worker:
        its many first readers, all waiting for it, are answered sooner so (in the opening
        rush of ``bench/queue_day.py``, a status p99 of 0.14 s rather than 0.2 to 0.3 s)."""
        return waiting_before is not None and waiting_before >= self.from_waiting

    def work_out(self, office: OfficeInfo, day: date, now: datetime) -> LineEstimate | None:
        """The office's line of ``day`` at ``now``, from the child; None if it could not."""
        pool = self._pool_now()
        answer: Future[_Shipped] | None = None
        try:
            answer = pool.submit(_work_out_in_child, office, day, now)
            estimates, waiting, rows = answer.result(WAIT_SECONDS)
        except BrokenProcessPool:
            log.warning("the line process stopped; a new one starts at the next long line")
            self._forget(pool, wait=False)
            return None
        except Exception:  # the child's own error, or no answer: the worker works it out
            if answer is None or answer.done():
                log.exception("working out a line in the line process failed")
                return None
            # A child that does not answer (its connection dropped by the network, say)
            # would keep every later long line waiting as long: it is killed, and a new
            # one starts at the next long line.
            log.warning("the line process did not answer in %s s; it is stopped", WAIT_SECONDS)
            self._forget(pool, wait=False, kill=True)
            return None
        self.worked += 1
        return LineEstimate(
            estimates, frozenset(waiting), rows={row[0]: row for row in rows}, office=office
        )

    def start(self) -> Future[bool]:
        """Starts the child now, as the worker starts: its imports take a second of CPU,
        which the first long line, in a rush, would otherwise wait for. The future is done
        once the child is ready."""
        return self._pool_now().submit(_started)

    def close(self) -> None:
        """Stops the child, once its work in hand, if any, is done."""
        self._forget(self._pool, wait=True)

    def child_pids(self) -> list[int]:
        """The child's process id, once started (for tests and diagnosis)."""
        return _pids(self._pool)

    def _pool_now(self) -> ProcessPoolExecutor:
        with self._starting:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    # Not forked: the worker has threads and open connections.
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child,
                    initargs=(self._settings,),
                )
            return self._pool

    def _forget(self, pool: ProcessPoolExecutor | None, *, wait: bool, kill: bool = False) -> None:
        """Shuts ``pool`` down, killing its child first if told to, if it is still this
        worker's: another thread that found it broken or stuck may have put a new one in
        its place already."""
        with self._starting:
            if pool is None or self._pool is not pool:
                return
            self._pool = None
        if kill:
            for pid in _pids(pool):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        pool.shutdown(wait=wait, cancel_futures=True)


def _pids(pool: ProcessPoolExecutor | None) -> list[int]:
    # The executor names its processes nowhere else (Python 3.14 adds ``kill_workers``).
    processes = getattr(pool, "_processes", None) or {}
    return sorted(processes)


# The child's own database sessions, made once when it starts.
_child_sessions: sessionmaker[Session] | None = None


def _start_child(settings: Settings) -> None:
    global _child_sessions
    threading.Thread(target=_end_with_the_worker, name="kezek-line-parent", daemon=True).start()
    _child_sessions = make_sessionmaker(make_engine(settings))
    # Now, not for the first line, which is needed at once: the models' mappings, made on
    # their first use, and a connection.
    configure_mappers()
    with read_session(_child_sessions) as session:
        session.execute(select(1))


def _end_with_the_worker() -> None:
    """The child ends as soon as its worker has, however that ended: a worker killed, or
    stopped before it could stop the child, would otherwise leave it waiting for work
    that never comes, with a database connection open."""
    worker = multiprocessing.parent_process()
    if worker is not None:
        first_ready([worker.sentinel])
        os._exit(0)


def _started() -> bool:
    return _child_sessions is not None


def _work_out_in_child(office: OfficeInfo, day: date, now: datetime) -> _Shipped:
    assert _child_sessions is not None, "started by _start_child"
    with read_session(_child_sessions) as session:
        line = work_out_line(session, office=office, day=day, now=now)
    rows = [tuple(row[:ROW_WIDTH]) for row in line.rows.values()]
    return line.estimates, list(line.waiting), rows
