"""Link latency where the kernel has no netem: a TCP relay that holds every byte a fixed time.

:class:`DelayRelay` listens on an address and forwards each connection to an upstream one,
delivering every chunk ``one_way`` seconds after it arrived, in each direction and in order, so
a request/response protocol (SSH, HTTP) pays one round trip of ``2 * one_way`` per exchange, as
over a slow link. The connection's own handshake is delayed by ``one_way`` on the way to the
upstream only: a client sees its connect() succeed at once, one round trip earlier than on a
real link. Only peers for which ``delayed(peer_ip)`` is true are slowed down, so the same relay
can serve nearby and far-away clients.

Mechanism for tests and bench/ only (network-namespace hosts, a local index); it runs its own
event loop in a daemon thread and is stopped with :meth:`DelayRelay.stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy reader to writer, each chunk (and the end of stream) ``delay`` seconds late."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def take_in() -> None:
        while True:
            data = await reader.read(CHUNK)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                return

    async def give_out() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(take_in(), give_out())


class DelayRelay:
    """``listen`` -> ``upstream``, each direction delayed by ``one_way`` seconds."""

    def __init__(self, upstream: tuple[str, int], one_way: float, *, listen: tuple[str, int] = ("127.0.0.1", 0),
                 delayed: Callable[[str], bool] = lambda peer: True) -> None:
        self.upstream = upstream
        self.one_way = one_way
        self.delayed = delayed
        self._listen = listen
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="delay-relay")
        self.port = 0

    def start(self) -> DelayRelay:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._relay, *self._listen), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        peer = client_writer.get_extra_info("peername")[0]
        delay = self.one_way if self.delayed(peer) else 0.0
        upstream_writer = None
        try:
            if delay:
                await asyncio.sleep(delay)  # the handshake's way to the far end
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
            pipes = [asyncio.ensure_future(_pipe(client_reader, upstream_writer, delay)),
                     asyncio.ensure_future(_pipe(upstream_reader, client_writer, delay))]
            _done, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_EXCEPTION)
            for task in pending:  # one side broke: the other has nothing left to carry
                task.cancel()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    with contextlib.suppress(Exception):
                        writer.close()

    def stop(self) -> None:
        """Close the listener and every relayed connection; end the thread."""
        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shut(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
