"""The listening side the fake devices share (tests/fakeadb, tests/fakeios): a TCP server on 127.0.0.1 that
accepts on a polling thread and serves each connection on its own thread.

A subclass calls ``_init_server(host)`` in its ``__init__`` and implements ``_connection(sock)``, which
returns an object with a ``thread`` (not yet started, or None) and a ``hang_up()`` method.
"""

from __future__ import annotations

import socket
import threading
from typing import Any


class FakeServer:
    thread_name = "fake"

    def _init_server(self, host: str) -> None:
        self.host = host
        self.port = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: list[Any] = []

    def _connection(self, sock: socket.socket) -> Any:
        raise NotImplementedError

    def start(self) -> Any:
        self._listener = socket.create_server((self.host, 0))
        self._listener.settimeout(0.05)  # accept() polls, so that stop() never waits on a blocked accept
        self.port = self._listener.getsockname()[1]
        # Daemon threads, so that a test that forgets stop() cannot hang pytest at exit; stop() joins them all.
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"{self.thread_name}-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every connection at once (like a device switched off); wait for all threads."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.hang_up()
        for conn in connections:
            if conn.thread is not None:
                conn.thread.join(timeout)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = self._connection(sock)
            with self._lock:
                self._connections = [c for c in self._connections if c.thread is None or c.thread.is_alive()]
                self._connections.append(conn)
                self._accepted(conn)
            if conn.thread is not None:
                conn.thread.start()

    def _accepted(self, conn: Any) -> None:
        """Called under the lock for each new connection (bookkeeping)."""
