"""Telling every board that an office's queue changed, across all server processes.

On PostgreSQL a change is told with ``NOTIFY``, which the database delivers to every worker
process listening; each worker's one listener hands it on to the boards it serves. SQLite
serves from a single process, so there the message goes straight to that process's boards,
after the commit. PostgreSQL's LISTEN/NOTIFY was chosen over Redis pub/sub because no other
service is needed.

A server worker sends its notices once the change has committed, from its own connection
(``send_notices``), not inside the change's transaction: PostgreSQL lets one transaction
that notifies commit at a time, and holds that turn until its commit is on disk, so with
every queue write notifying, the writes of a busy office took turns at the disk. Sent
afterwards, a notice is a transaction without data, committed without waiting for the disk
(nothing is lost with it that a board needs: a board reads the queue itself). The notices
of changes committed while one is being sent go together in the next. A change that rolls
back is never told. Should a worker stop between a commit and its notice, the other
workers' boards show the change at their next beat, when every board reads again. A
process that sends no notices (a command line, a test without the server) notifies inside
the transaction as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kezek.db import is_postgresql, on_commit
from kezek.queue.subscriptions import FAILED, Board, BoardSource, Failed, Subscription, Wave

log = logging.getLogger(__name__)
CHANNEL = "kezek_board"


class BoardBus:
    """Subscribers per office in this process, fed by the database or by local commits.

    Every board of an office wants the same snapshot after a change. After a change the bus
    reads it once in this process (``snapshot``; streams asking meanwhile share that read),
    encodes it once as an event, and only then wakes the office's streams, handing each the
    event: a woken stream only writes it. A busy office changes several times a second
    (each ticket is issued, called, started and finished); its boards are woken at most
    once per ``fan_out_interval`` and then show the latest board, so that a thousand boards
    are not woken for each change. The first change after a quiet spell wakes them at once.
    Every ``beat_seconds`` each stream is woken with no news, to keep its connection alive.
    """

    def __init__(
        self,
        *,
        fan_out_seconds: float = 0.25,
        fan_out_seconds_per_stream: float = 0.001,
        fan_out_most_seconds: float = 0.5,
        beat_seconds: float = 15.0,
    ) -> None:
        self._fan_out_seconds = fan_out_seconds
        self._fan_out_seconds_per_stream = fan_out_seconds_per_stream
        self._fan_out_most_seconds = fan_out_most_seconds
        self.beat_seconds = beat_seconds
        self._fanned_at: dict[int, float] = {}  # the loop's time of each office's last wake
        self._due: dict[int, asyncio.TimerHandle] = {}  # wakes waiting for their turn
        self._events: dict[int, tuple[str, bytes]] = {}  # each office's latest, encoded
        self._news: dict[int, Board | Failed] = {}  # what the latest wake hands each stream
        self._waves: dict[int, Wave] = {}  # each office's latest wake
        self._subscribers: dict[int, set[Subscription]] = defaultdict(set)
        self._sources: dict[int, BoardSource] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changes: dict[int, int] = defaultdict(int)  # changes seen, per office
        # Of those, the ones this process did not make; its own are ``_committed_here``.
        self._others: dict[int, int] = defaultdict(int)
        self._committed_here: dict[int, int] = defaultdict(int)  # by this process, per office
        self._snapshots: dict[int, tuple[tuple[int, date], str]] = {}
        self._reading: dict[int, asyncio.Task[tuple[tuple[int, date], str]]] = {}
        self._handing: set[asyncio.Task[None]] = set()  # kept from the garbage collector
        self._beat: asyncio.TimerHandle | None = None  # the next beat, on the loop below
        self._beat_loop: asyncio.AbstractEventLoop | None = None
        self.streams = 0  # open board streams in this process
        self._sender: _Sender | None = None  # while ``send_notices`` runs
        # The database's process id of the connection sending them: its notices come back
        # to this process's listener too, and are this process's own changes.
        self._sender_pid: int | None = None

    def publish(self, session: Session, office_id: int) -> None:
        """Announce a change of ``office_id`` once ``session`` commits."""
        if not is_postgresql(session):
            on_commit(session, lambda: self.deliver(office_id, ours=True))
        elif not self.sends_notices:
            session.execute(
                text("SELECT pg_notify(:channel, :office)"),
                {"channel": CHANNEL, "office": str(office_id)},
            )
        on_commit(session, lambda: self.committed(office_id))

    @property
    def sends_notices(self) -> bool:
        """This process tells its changes after they commit (``send_notices`` runs); a
        statement that could notify by itself leaves it to ``committed``."""
        return self._sender is not None

    def announced(self, session: Session, office_id: int) -> None:
        """A statement of ``session`` changed the office, and sent its NOTIFY itself unless
        this process ``sends_notices``: counted, and told if not yet, once it commits."""
        on_commit(session, lambda: self.committed(office_id))

    def committed(self, office_id: int) -> None:
        """A change of the office has committed: count it here, and tell the other
        processes if this one ``sends_notices``; safe to call from any thread."""
        self._committed_here[office_id] += 1
        sender = self._sender
        if sender is not None:
            # A worker stopping closes its loop: the change is committed all the same, and
            # the other workers' boards show it at their next beat.
            with contextlib.suppress(RuntimeError):
                sender.loop.call_soon_threadsafe(sender.want, office_id)

    def version(self, office_id: int) -> int:
        """Grows with every change of the office this process has made or heard of: its
        own at once, at commit, and not again when the database's notice of it comes back.
        Counted twice, a change of a quiet office had the next page read work its line out
        again, and the office taken for a busy one, whose lines are kept across changes
        (``KeptLines``): a called ticket's page then showed it waiting for a second more.
        A notice sent from inside a change's transaction (no ``send_notices``) cannot be
        told from another process's, and is counted again: one more working out, no more."""
        return self._others[office_id] + self._committed_here[office_id]

    def deliver(self, office_id: int, *, ours: bool = False) -> None:
        """Wake this process's boards of the office; safe to call from any thread.
        ``ours``: the change is this process's own, already counted when it committed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._changed, office_id, ours)

    def _changed(self, office_id: int, ours: bool = False) -> None:
        self._changes[office_id] += 1
        if not ours:
            self._others[office_id] += 1
        if office_id in self._due:
            return  # a wake is on its way: the boards will read this change too
        loop = self._loop
        last = self._fanned_at.get(office_id)
        interval = self.fan_out_interval()
        if loop is None or last is None or loop.time() - last >= interval:
            self._fan_out(office_id)
        else:
            wait = last + interval - loop.time()
            self._due[office_id] = loop.call_later(wait, self._fan_out, office_id)

    def fan_out_interval(self) -> float:
        """The least time between two wakes of an office's boards in this process.

        A wake costs the process about 40 microseconds of CPU per stream, most of it the
        stream's write to its socket, so a process holding many streams wakes them less
        often: four times a second up to 250 streams (1 ms a stream), then less, down to
        twice a second from 500. A board still shows a call within about 0.6 s."""
        crowd = self.streams * self._fan_out_seconds_per_stream
        return max(self._fan_out_seconds, min(self._fan_out_most_seconds, crowd))

    def _fan_out(self, office_id: int) -> None:
        self._due.pop(office_id, None)
        loop = self._loop
        if loop is None or not self._subscribers.get(office_id):
            return
        self._fanned_at[office_id] = loop.time()
        handing = loop.create_task(self._read_and_hand(office_id))
        self._handing.add(handing)
        handing.add_done_callback(self._handing.discard)

    async def _read_and_hand(self, office_id: int) -> None:
        """Read the office's board once, then hand it to each of its streams."""
        news = await self.news(office_id, self._sources[office_id])  # once, not per stream
        if news == self._news.get(office_id):
            return  # the board looks as it did (a window opened, a booking checked in)
        self._news[office_id] = news
        boards = list(self._subscribers.get(office_id, ()))
        if not boards:
            return
        earlier = self._waves.pop(office_id, None)
        if earlier is not None:
            earlier.stop()  # this wave hands every board the newer news
        # Each board gets the latest news when its turn comes, should a newer read end first.
        loop = asyncio.get_running_loop()
        wave = Wave(loop, boards, lambda board: board.hand(self._news[office_id]))
        self._waves[office_id] = wave.start()

    def _beat_all(self) -> None:
        """Every stream's beat: one timer for the process, not one per stream."""
        self._beat = None
        for office_id, subscribers in list(self._subscribers.items()):
            if subscribers:  # a notice lost with a stopped worker: shown at the next beat
                self._changed(office_id)
        boards = [board for boards in self._subscribers.values() for board in boards]
        if boards and self._loop is not None:
            Wave(self._loop, boards, Subscription.beat).start()
            self._beat = self._loop.call_later(self.beat_seconds, self._beat_all)

    def all_changed(self) -> None:
        """Changes may have gone unheard (the listener was away): every board reads again."""
        for office_id in {*self._changes, *self._snapshots, *self._subscribers}:
            self._changed(office_id)

    def changes(self, office_id: int) -> int:
        """How many changes of the office this process has heard of: a stream that read its
        first board before it listened compares, to miss none in between."""
        return self._changes[office_id]

    async def snapshot(self, office_id: int, day: date, read: Callable[[], str]) -> str:
        """The office's board since its latest change, on the office's local ``day``: read
        once in this process (``read`` runs in a thread), every stream asking meanwhile
        waiting for that one read."""
        self._loop = asyncio.get_running_loop()
        # Counted before the read: a change during it makes the next caller read again.
        wanted = (self._changes[office_id], day)
        while True:
            kept = self._snapshots.get(office_id)
            if kept is not None and kept[0] == wanted:
                return kept[1]
            reading = self._reading.get(office_id)
            if reading is None:
                reading = self._loop.create_task(self._read(office_id, wanted, read))
                self._reading[office_id] = reading
            (version, read_day), data = await asyncio.shield(reading)
            if read_day == day and version >= wanted[0]:
                return data
            # An older read was under way when this one was asked for: read afresh.

    async def _read(
        self, office_id: int, key: tuple[int, date], read: Callable[[], str]
    ) -> tuple[tuple[int, date], str]:
        try:
            data = await asyncio.to_thread(read)
            self._snapshots[office_id] = (key, data)
            return key, data
        finally:
            self._reading.pop(office_id, None)

    async def news(self, office_id: int, source: BoardSource) -> Board | Failed:
        """The office's board as an event for today, or FAILED (logged) if the database
        could not give it: a board outlives a busy or restarting database, keeps its stream
        and shows the next snapshot it can read."""
        day = source.today()
        try:
            return Board(day, await self.event(office_id, day, source.read))
        except SQLAlchemyError as exc:
            log.warning("board of office %s could not be read (%s); retrying", office_id, exc)
            return FAILED

    async def event(self, office_id: int, day: date, read: Callable[[], str]) -> bytes:
        """The office's board as one Server-Sent Event, encoded once for all its streams."""
        data = await self.snapshot(office_id, day, read)
        kept = self._events.get(office_id)
        if kept is not None and kept[0] == data:
            return kept[1]
        encoded = f"event: board\ndata: {data}\n\n".encode()
        self._events[office_id] = (data, encoded)
        return encoded

    @contextlib.contextmanager
    def subscribe(self, office_id: int, source: BoardSource) -> Iterator[Subscription]:
        """A stream's place among the office's boards: ``source`` reads the board, should
        this process's bus need to after a change."""
        loop = self._loop = asyncio.get_running_loop()
        board = Subscription(loop)
        self._subscribers[office_id].add(board)
        self._sources[office_id] = source
        if self._beat is None or self._beat_loop is not loop:
            self._beat, self._beat_loop = loop.call_later(self.beat_seconds, self._beat_all), loop
        try:
            yield board
        finally:
            self._subscribers[office_id].discard(board)

    def open_stream(self, most: int) -> StreamPlace | None:
        """A place for one more board stream in this process, or None when ``most`` are open.
        Given back by ``StreamPlace.close``, once, however the stream ends."""
        if self.streams >= most:
            return None
        self.streams += 1
        return StreamPlace(self)

    async def listen(
        self, database_url: str, *, others: Mapping[str, Hearing] | None = None
    ) -> None:
        """Relay NOTIFY messages to this process's boards until cancelled; reconnect on loss.

        The same connection listens on ``others``' channels for other parts of the process
        (the staff tokens), and tells each when it hears, and when it cannot."""
        # Only PostgreSQL's workers listen: a SQLite server never loads the driver.
        import psycopg

        others = others or {}
        self._loop = asyncio.get_running_loop()
        url = make_url(database_url)
        while True:
            try:
                async with await _connected(url, "kezek boards") as connection:
                    for channel in (CHANNEL, *others):
                        await connection.execute(f"LISTEN {channel}")
                    self.all_changed()  # whatever happened while nobody listened
                    for hearing in others.values():
                        hearing.listening()
                    async for notice in connection.notifies():
                        if notice.channel in others:
                            others[notice.channel].changed()
                        elif notice.payload.isdigit():
                            ours = notice.pid == self._sender_pid
                            self.deliver(int(notice.payload), ours=ours)
            except asyncio.CancelledError:
                raise
            except psycopg.Error as exc:
                log.warning("board listener lost the database (%s); reconnecting", exc)
                await asyncio.sleep(1)
            finally:  # lost, or the worker stops: nothing heard from now on
                for hearing in others.values():
                    hearing.deaf()

    async def send_notices(self, database_url: str) -> None:
        """Send this process's notices, after their changes commit, until cancelled;
        reconnect on loss, keeping those not sent."""
        import psycopg  # only PostgreSQL's workers send

        sender = self._sender = _Sender(asyncio.get_running_loop())
        url = make_url(database_url)
        try:
            while True:
                try:
                    async with await _connected(url, "kezek notices") as connection:
                        # A notice is no data: its commit need not wait for the disk.
                        await connection.execute("SET synchronous_commit TO off")
                        self._sender_pid = connection.info.backend_pid
                        try:
                            while True:
                                await sender.send(connection)
                        finally:
                            # Its pid may be a new connection's, perhaps another worker's.
                            self._sender_pid = None
                except psycopg.Error as exc:
                    log.warning("notice sender lost the database (%s); reconnecting", exc)
                    await asyncio.sleep(1)
                except Exception:  # whatever it was, the notices still have to go
                    log.exception("notice sender failed; starting again")
                    await asyncio.sleep(1)
        finally:
            self._sender = None


async def _connected(url: URL, name: str) -> Any:
    """A connection of the worker's own, outside its pool, in autocommit; ``name`` shows in
    ``pg_stat_activity``."""
    import psycopg

    return await psycopg.AsyncConnection.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        application_name=name,
        # As the pool's: a database that does not answer is given up, and a connection
        # gone half-open is found by the kernel rather than waited on for ever.
        connect_timeout=5,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )


class _Sender:
    """The offices whose changes this process has still to tell, and the loop telling."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._waiting: set[int] = set()
        self._wanted = asyncio.Event()

    def want(self, office_id: int) -> None:
        self._waiting.add(office_id)
        self._wanted.set()

    async def send(self, connection: Any) -> None:
        """One NOTIFY for every office changed since the last one; kept if it fails."""
        await self._wanted.wait()
        self._wanted.clear()
        offices, self._waiting = self._waiting, set()
        try:
            await connection.execute(_NOTIFY_ALL, [CHANNEL, [str(o) for o in sorted(offices)]])
        except BaseException:
            self._waiting |= offices
            self._wanted.set()
            raise


_NOTIFY_ALL = "SELECT pg_notify(%s, office) FROM unnest(CAST(%s AS text[])) AS office"


class Hearing(Protocol):
    """What else listens on the boards' connection: told when notices can reach it."""

    def listening(self) -> None: ...

    def deaf(self) -> None: ...

    def changed(self) -> None: ...


class StreamPlace:
    def __init__(self, bus: BoardBus) -> None:
        self._bus: BoardBus | None = bus

    def close(self) -> None:
        if self._bus is not None:
            self._bus.streams -= 1
            self._bus = None
