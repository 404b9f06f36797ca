"""The workflow table and the one error policy, with the root's fakes: no broker, no ffmpeg.

A catalog is a SQLite file in a temp dir (the real unit of work); the store, the enqueuer and the locks are
fakes. Step functions are replaced by small stand-ins that succeed, fail for good, fail for a while, or
"crash the worker" (a ``BaseException`` that escapes the policy, as a SIGKILL would leave things).
"""

from __future__ import annotations

import dataclasses

import pytest

from app.bootstrap import build
from config.settings import Settings
from mam import catalog
from mam.db import migrate
from mam.errors import InvalidMedia, StorageUnavailable
from mam.models import WorkItem, WorkState
from pipelines import workflow
from pipelines.context import StepResult
from pipelines.run_step import MAX_RETRIES, Outcome, run_step
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer


class WorkerCrash(BaseException):
    """Stands for a worker killed mid-step: nothing after it runs in that delivery."""


@pytest.fixture
def root(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", max_attempts=2)
    migrate(settings.database_url)
    return build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(), locks=MemoryLocks())


@pytest.fixture
def steps(monkeypatch):
    """Replace each row's function; returns a dict name -> callable the test sets."""
    behaviour: dict[str, object] = {name: (lambda ctx: StepResult()) for name in workflow.BY_NAME}
    for name, row in list(workflow.BY_NAME.items()):
        fake = dataclasses.replace(row, run=lambda ctx, _n=name: behaviour[_n](ctx))
        monkeypatch.setitem(workflow.BY_NAME, name, fake)
    return behaviour


def new_asset(root) -> str:
    with root.uow() as s:
        asset = catalog.new_asset(s, original_filename="a.mp4", original_key_for=lambda i: f"originals/{i}/source.mp4")
        workflow.start(s, root, asset.id)
        return asset.id


def deliver(root, sent):
    """Run each published (task, queue, [asset_id, work_id]) as a worker would."""
    by_task = {row.task: row for row in workflow.STEPS}
    return [run_step(root, by_task[task].name, args[0], args[1]) for task, _q, args in sent]


def asset_of(root, aid):
    with root.uow() as s:
        return catalog.get_asset(s, aid)


def items(root, aid) -> list[WorkItem]:
    with root.uow() as s:
        return list(s.query(WorkItem).filter_by(asset_id=aid).order_by(WorkItem.created_at))


def test_table_is_a_chain_over_three_queues():
    names = [s.name for s in workflow.STEPS]
    assert names == ["metadata", "renditions", "analysis", "export"]
    assert [s.queue for s in workflow.STEPS] == ["ingest", "transcode", "analyze", "export"]
    assert [s.then for s in workflow.STEPS] == ["renditions", "analysis", None, None]
    assert [s.name for s in workflow.STEPS if s.ready_when_done] == ["renditions"]
    assert all(s.task.split(".")[1] == s.queue for s in workflow.STEPS), "task names route to their queue"


def test_celery_routes_come_from_the_table():
    from workers.app import make_app

    app = make_app(Settings(broker_url="redis://unused:1/0"))
    assert {q.name for q in app.conf.task_queues} == {"ingest", "transcode", "analyze", "export"}
    assert {t: r["queue"] for t, r in app.conf.task_routes.items()} == {s.task: s.queue for s in workflow.STEPS}


@pytest.mark.parametrize("kind,duration,queue", [
    ("video", 4.0, "ingest"), ("video", 60.0, "ingest"), ("video", 90.0, "transcode"), ("audio", 3600.0, "transcode"),
    ("image", 0.0, "ingest"),
])
def test_a_short_files_media_pass_stays_on_the_interactive_queue(root, kind, duration, queue):
    asset = catalog.Asset(kind=kind, technical={"duration_s": duration})
    assert workflow.queue_for(workflow.BY_NAME["renditions"], asset, root.settings) == queue
    assert workflow.queue_for(workflow.BY_NAME["metadata"], asset, root.settings) == "ingest"
    assert workflow.queue_for(workflow.BY_NAME["analysis"], asset, root.settings) == "analyze"


def test_an_asset_goes_through_every_step_to_ready(root, steps):
    aid = new_asset(root)
    sent = root.enqueuer.take()
    assert [(t, q) for t, q, _ in sent] == [("mam.ingest.probe", "ingest")]
    assert items(root, aid)[0].state == WorkState.SENT
    assert [d.outcome for d in deliver(root, sent)] == [Outcome.DONE]
    assert asset_of(root, aid).status == "processing"
    sent = root.enqueuer.take()
    assert [t for t, *_ in sent] == ["mam.transcode.renditions"]
    deliver(root, sent)
    asset = asset_of(root, aid)
    assert asset.status == "ready" and asset.progress == 1.0 and asset.analysis["status"] == "pending"
    deliver(root, root.enqueuer.take())
    assert asset_of(root, aid).analysis["status"] == "done"
    assert root.enqueuer.take() == []
    assert [i.state for i in items(root, aid)] == ["done", "done", "done"]


def test_a_duplicate_delivery_does_nothing(root, steps):
    new_asset(root)
    sent = root.enqueuer.take()
    deliver(root, sent)
    root.enqueuer.take()
    assert [d.outcome for d in deliver(root, sent)] == [Outcome.DROPPED]
    assert root.enqueuer.take() == [], "no second chain"


def test_permanent_error_fails_the_asset_with_its_reason(root, steps):
    steps["metadata"] = lambda ctx: (_ for _ in ()).throw(InvalidMedia("not a media file: looks like text"))
    aid = new_asset(root)
    [d] = deliver(root, root.enqueuer.take())
    assert d.outcome == Outcome.FAILED
    asset = asset_of(root, aid)
    assert asset.status == "failed" and asset.error == "not a media file: looks like text"
    assert root.enqueuer.take() == [], "nothing after a failed step"


def test_permanent_error_in_analysis_leaves_the_asset_ready(root, steps):
    steps["analysis"] = lambda ctx: (_ for _ in ()).throw(InvalidMedia("unreadable keyframes"))
    aid = new_asset(root)
    for _ in range(3):
        deliver(root, root.enqueuer.take())
    asset = asset_of(root, aid)
    assert asset.status == "ready"
    assert asset.analysis["status"] == "failed" and asset.analysis["error"] == "unreadable keyframes"


@pytest.mark.parametrize("name", ["metadata", "renditions", "analysis"])
def test_transient_errors_retry_with_backoff_without_using_attempts(root, steps, name):
    steps[name] = lambda ctx: (_ for _ in ()).throw(StorageUnavailable("S3 503"))
    aid = new_asset(root)
    sent = root.enqueuer.take()
    while [t for t, *_ in sent] != [workflow.BY_NAME[name].task]:
        deliver(root, sent)
        sent = root.enqueuer.take()
    countdowns = []
    for _ in range(MAX_RETRIES):
        [d] = deliver(root, sent)
        assert d.outcome == Outcome.RETRY
        countdowns.append(d.countdown_s)
    assert countdowns == sorted(countdowns) and countdowns[0] < countdowns[-1], "backoff grows"
    assert items(root, aid)[-1].attempts == 0, "a transient failure is not a worker crash"
    [d] = deliver(root, sent)
    assert d.outcome == Outcome.FAILED and "S3 503" in d.reason and "gave up" in d.reason


@pytest.mark.parametrize("name", ["metadata", "renditions", "analysis"])
def test_a_file_that_kills_the_worker_ends_failed_on_every_queue(root, steps, name):
    def crash(ctx):
        raise WorkerCrash()

    steps[name] = crash
    aid = new_asset(root)
    sent = root.enqueuer.take()
    while [t for t, *_ in sent] != [workflow.BY_NAME[name].task]:
        deliver(root, sent)
        sent = root.enqueuer.take()
    for _ in range(root.settings.max_attempts):  # each delivery dies with its worker
        with pytest.raises(WorkerCrash):
            deliver(root, sent)
    left = root.settings.data_dir / "work" / f"{aid}-killedrun"
    left.mkdir(parents=True)  # what a SIGKILLed run leaves behind
    [d] = deliver(root, sent)
    assert d.outcome == Outcome.FAILED
    assert f"stopped the worker {root.settings.max_attempts} times" in d.reason
    assert not left.exists(), "the work directory of the killed runs is removed"
    asset = asset_of(root, aid)
    if workflow.BY_NAME[name].stage == "asset":
        assert asset.status == "failed" and "stopped the worker" in asset.error
    else:
        assert asset.status == "ready" and asset.analysis["status"] == "failed"


def test_waiting_for_a_dead_workers_lock_never_uses_the_attempt_budget(root, steps):
    aid = new_asset(root)
    sent = root.enqueuer.take()
    root.locks.held.add(workflow.lock_name(workflow.BY_NAME["metadata"], aid, None))  # a killed worker's
    for _ in range(root.settings.max_attempts * 5):
        [d] = deliver(root, sent)
        assert d.outcome == Outcome.RETRY and d.countdown_s >= 1
    assert items(root, aid)[0].attempts == 0
    root.locks.held.clear()  # the TTL ran out
    assert [d.outcome for d in deliver(root, sent)] == [Outcome.DONE]


def test_a_step_whose_every_item_failed_is_not_done(root, steps):
    steps["analysis"] = lambda ctx: StepResult(items=3, failed_items=3, first_failure="shot 1: ocr: model error")
    aid = new_asset(root)
    for _ in range(3):
        deliver(root, root.enqueuer.take())
    analysis = asset_of(root, aid).analysis
    assert analysis["status"] == "failed" and "every one of its 3" in analysis["error"]


def test_some_failed_items_are_warnings_not_a_failure(root, steps):
    steps["analysis"] = lambda ctx: StepResult(items=3, failed_items=1, warnings=["analysis of shot 2: ocr: x"])
    aid = new_asset(root)
    for _ in range(3):
        deliver(root, root.enqueuer.take())
    asset = asset_of(root, aid)
    assert asset.analysis["status"] == "done" and "analysis of shot 2: ocr: x" in asset.warnings


def test_work_accepted_while_the_broker_is_down_is_handed_over_when_it_returns(root, steps):
    root.enqueuer.down = True
    aid = new_asset(root)
    assert items(root, aid)[0].state == WorkState.QUEUED
    dispatch = dict(resend_after_s=900, is_running=lambda a: False)
    with pytest.raises(ConnectionError):
        workflow.dispatch_due(root, **dispatch)
    root.enqueuer.down = False
    assert workflow.dispatch_due(root, **dispatch) == 1
    assert [t for t, *_ in root.enqueuer.sent] == ["mam.ingest.probe"]
    assert workflow.dispatch_due(root, **dispatch) == 0, "handed over once"


def test_reprocess_cancels_open_work_and_starts_from_the_earliest_step(root, steps):
    aid = new_asset(root)
    for _ in range(3):
        deliver(root, root.enqueuer.take())
    state = workflow.reprocess(root, aid, ["analysis", "renditions"])
    assert state == "pending"
    sent = root.enqueuer.take()
    assert [t for t, *_ in sent] == ["mam.transcode.renditions"]
    again = workflow.reprocess(root, aid, ["metadata"])
    assert again == "pending"
    assert [d.outcome for d in deliver(root, sent)] == [Outcome.DROPPED], "the superseded chain stops"
    assert [t for t, *_ in root.enqueuer.take()] == ["mam.ingest.probe"]


def test_resume_submits_unfinished_assets_without_open_work(root, steps):
    with root.uow() as s:  # an asset from before work items existed
        aid = catalog.new_asset(s, original_filename="old.mp4", original_key_for=lambda i: f"originals/{i}/x").id
    assert workflow.resume_unfinished(root) == 1
    assert workflow.resume_unfinished(root) == 0
    assert [(t, a[0]) for t, _q, a in root.enqueuer.take()] == [("mam.ingest.probe", aid)]
