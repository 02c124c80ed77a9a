"""An aiohttp application served on a loopback port from a thread of its own, for tests."""

import asyncio
import ssl
import threading

from aiohttp import web

from gpu_worker.testing.processes import free_port


class LoopbackServer:
    def __init__(self, ssl_context: ssl.SSLContext | None = None):
        self.port = free_port()
        self.ssl_context = ssl_context
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def routes(self) -> list[web.AbstractRouteDef]:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        # Close connections first, so no request handler is left pending when the loop stops.
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(self.routes())
        self._runner = runner = web.AppRunner(app, shutdown_timeout=1)  # a test may leave a request hanging
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port, ssl_context=self.ssl_context)
        self._loop.run_until_complete(site.start())
        self._started.set()
        self._loop.run_forever()
