"""Publishing a step to Celery by task name (the enqueuer the composition root gives the flow)."""

from __future__ import annotations

from typing import Any

from config.settings import Settings


class CeleryEnqueuer:
    """Sends tasks by name through a Celery app on the settings' broker (created on first send)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._app: Any = None

    def send(self, task: str, queue: str, args: list[str]) -> None:
        """Publish ``task`` with ``args`` on ``queue``; raises when the broker cannot take it."""
        if self._app is None:
            from workers.app import make_app

            self._app = make_app(self._settings)
            # fail fast when the broker is away: the work item waits in the catalog and the dispatcher
            # hands it over later, so a request never hangs on a reconnect loop
            self._app.conf.broker_connection_timeout = 1.0
            self._app.conf.broker_connection_retry = False
            self._app.conf.broker_connection_max_retries = 0
            self._app.conf.broker_transport_options = {
                **self._app.conf.broker_transport_options, "socket_connect_timeout": 1, "socket_timeout": 5,
                "max_retries": 0}
        self._app.send_task(task, args=args, queue=queue, retry=False)
