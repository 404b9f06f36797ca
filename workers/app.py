"""The Celery app. Reliability settings follow Celery's task guide (see ARCHITECTURE.md); queues and task
routes come from the workflow's table."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from app.bootstrap import root
from config.settings import Settings


def make_app(s: Settings) -> Celery:
    """A Celery app on the settings' broker: late acks, prefetch 1, visibility above the hard limit."""
    from pipelines.workflow import QUEUES, STEPS

    app = Celery("mam", broker=s.effective_broker_url() or "redis://127.0.0.1:6379/0", include=["workers.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=100,
        worker_hijack_root_logger=False,
        task_soft_time_limit=s.task_soft_time_limit_s,
        task_time_limit=s.task_hard_time_limit_s,
        broker_transport_options={"visibility_timeout": s.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        task_queues=[Queue(q) for q in QUEUES],
        task_default_queue=QUEUES[0],
        task_routes={row.task: {"queue": row.queue} for row in STEPS},
    )
    return app


app = make_app(root().settings)
