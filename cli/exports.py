"""`mam presets`, `mam export`, `mam exports list|show|cancel`, `mam review`, `mam deliver`,
`mam report deliveries`: thin shells over the export API, with progress bars and QC tables."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.client import check, exit_on_api_error, make_client
from config.settings import get_settings

out = Console()
err = Console(stderr=True)
exports_app = typer.Typer(help="Follow, inspect and cancel exports.", no_args_is_help=True)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)
ENDED = ("ready", "failed", "failed_qc", "cancelled")


def presets(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the export presets, with where their numbers come from."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        data = check(client.get("/api/v1/presets"))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("preset", "kind", "container", "confidence", "source")
    for p in data:
        table.add_row(p["name"], p["kind"], p["container"], p["confidence"], escape(p["source"])[:70])
    out.print(table)


def _qc_table(export: dict) -> Table:
    table = Table("check", "want", "got", "", title=f"{export['preset']}: {export['status']}")
    for c in (export.get("qc") or {}).get("checks", []):
        table.add_row(c["name"], escape(c["want"]), escape(c["got"]), "[green]ok[/]" if c["passed"] else "[red]MISS[/]")
    return table


def _download(client, export: dict, dest: Path) -> list[Path]:
    saved = []
    for o in export["outputs"]:
        path = dest / export["asset_id"] / export["preset"] / o["name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        with client.stream("GET", o["url"]) as resp:
            check(resp) if resp.status_code >= 400 else None
            with open(path, "wb") as fh:
                for chunk in resp.iter_bytes(1024 * 1024):
                    fh.write(chunk)
        saved.append(path)
    return saved


def _piece(text: str) -> dict:
    """``ASSET:START-END`` -> a sequence piece."""
    try:
        asset, _, span = text.rpartition(":")
        a, _, b = span.partition("-")
        return {"asset_id": asset, "start_s": float(a), "end_s": float(b)}
    except ValueError:
        raise typer.BadParameter(f"{text!r}: use ASSET:START-END, e.g. 4f2c…:12.5-20") from None


def finishing_body(*, logo: str | None, logo_position: str, logo_scale: float | None, logo_opacity: float,
                   caption: str | None, caption_position: str, caption_start: float | None,
                   caption_end: float | None, subtitles: str | None, reframe: str | None, fade_in: float,
                   fade_out: float, speed: float, keep_sound: bool, sequence: list[str] | None,
                   transition: str) -> dict:
    """The finishing fields of an export request from the command's options (only those given)."""
    body: dict = {}
    if logo:
        body["watermark"] = {"logo": logo, "position": logo_position, "opacity": logo_opacity,
                             **({"scale": logo_scale} if logo_scale else {})}
    if caption is not None:
        body["caption"] = {"text": caption.replace("\\n", "\n"), "position": caption_position,
                           "start_s": caption_start, "end_s": caption_end}
    if subtitles:
        body["subtitles"] = {"mode": subtitles}
    if reframe:
        body["reframe"] = {"mode": reframe}
    if fade_in:
        body["fade_in_s"] = fade_in
    if fade_out:
        body["fade_out_s"] = fade_out
    if speed != 1.0:
        body["speed"], body["speed_audio"] = speed, "pitch" if keep_sound else "drop"
    if sequence:
        body["sequence"], body["transition"] = [_piece(p) for p in sequence], transition
    return body


def export(
    asset_ids: Annotated[list[str] | None, typer.Argument(help="assets to export (none with --piece)")] = None,
    preset: Annotated[list[str] | None, typer.Option("--preset", "-p", help="a preset (repeat for several)")]
    = None,
    start: Annotated[float | None, typer.Option(help="subclip start, seconds")] = None,
    end: Annotated[float | None, typer.Option(help="subclip end, seconds")] = None,
    loudness: Annotated[float | None, typer.Option(help="loudness target in LUFS (overrides the presets)")] = None,
    piece: Annotated[list[str] | None, typer.Option(
        "--piece", help="a sequence piece ASSET:START-END (repeat, in order): one output of all of them")] = None,
    transition: Annotated[str, typer.Option(help="between pieces: cut or dissolve")] = "cut",
    logo: Annotated[str | None, typer.Option(help="watermark: a brand asset's name or id (mam brand list)")] = None,
    logo_position: Annotated[str, typer.Option(help="top-left, top-right, bottom-left, bottom-right, …")]
    = "top-right",
    logo_scale: Annotated[float | None, typer.Option(help="logo width / picture width")] = None,
    logo_opacity: Annotated[float, typer.Option(help="0..1")] = 1.0,
    caption: Annotated[str | None, typer.Option(help="text shown literally (\\n for a new line)")] = None,
    caption_position: Annotated[str, typer.Option(help="bottom, top, center, …")] = "bottom",
    caption_start: Annotated[float | None, typer.Option(help="caption from this output second")] = None,
    caption_end: Annotated[float | None, typer.Option(help="caption until this output second")] = None,
    subtitles: Annotated[str | None, typer.Option(help="burn or soft: the asset's subtitles")] = None,
    reframe: Annotated[str | None, typer.Option(help="9:16 / 1:1 presets: follow, center or blur-pad")] = None,
    fade_in: Annotated[float, typer.Option(help="seconds from black and silence")] = 0.0,
    fade_out: Annotated[float, typer.Option(help="seconds to black and silence")] = 0.0,
    speed: Annotated[float, typer.Option(help="time-lapse: 2 to 16 times faster")] = 1.0,
    keep_sound: Annotated[bool, typer.Option(help="with --speed: keep the sound, pitch kept (else silence)")]
    = False,
    wait: Annotated[bool, typer.Option(help="follow progress and show the QC verdicts")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="download the outputs here (implies --wait)")]
    = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait")] = 6 * 3600.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Export assets to presets, finished as asked (logo, caption, subtitles, reframing, fades, speed), or pieces
    of several assets into one programme (--piece). The presets of one asset are made together from one read."""
    if not preset:
        raise typer.BadParameter("name at least one --preset")
    body = {"asset_ids": asset_ids or [], "presets": preset, "start_s": start, "end_s": end,
            "loudness_target": loudness,
            **finishing_body(logo=logo, logo_position=logo_position, logo_scale=logo_scale,
                             logo_opacity=logo_opacity, caption=caption, caption_position=caption_position,
                             caption_start=caption_start, caption_end=caption_end, subtitles=subtitles,
                             reframe=reframe, fade_in=fade_in, fade_out=fade_out, speed=speed,
                             keep_sound=keep_sound, sequence=piece, transition=transition)}
    with exit_on_api_error(err), make_client(get_settings(), timeout=None) as client:
        refs = check(client.post("/api/v1/exports", json=body))["exports"]
        if not (wait or output):
            _print_refs(refs, as_json)
            return
        done = _follow(client, [r["id"] for r in refs], timeout)
        for e in done:
            if not as_json:
                out.print(_qc_table(e))
            if output and e["status"] == "ready":
                for path in _download(client, e, output):
                    err.print(f"saved {path}")
    if as_json:
        print(json.dumps(done, ensure_ascii=False, indent=2))
    if any(e["status"] != "ready" for e in done):
        raise typer.Exit(1)


def _print_refs(refs: list[dict], as_json: bool) -> None:
    if as_json:
        print(json.dumps(refs, ensure_ascii=False, indent=2))
        return
    for r in refs:
        out.print(f"{r['id']}  {r['preset']}  asset {r['asset_id']}")


def _follow(client, ids: list[str], timeout: float) -> list[dict]:
    """Poll until every export has ended, with a progress bar each."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TimeRemainingColumn())
    deadline, latest = time.monotonic() + timeout, {}
    with Progress(*columns, console=err) as progress:
        bars = {i: progress.add_task(i[:8], total=1.0) for i in ids}
        while time.monotonic() < deadline:
            for i in ids:
                e = latest[i] = check(client.get(f"/api/v1/exports/{i}"))
                progress.update(bars[i], completed=1.0 if e["status"] in ENDED else e["progress"],
                                description=f"{e['preset'][:14]:14} {e['status']}")
            if all(e["status"] in ENDED for e in latest.values()):
                break
            time.sleep(1.0)
    return [latest[i] for i in ids]


@exports_app.command("list")
def exports_list(asset: Annotated[str | None, typer.Option(help="only this asset's")] = None,
                 status: Annotated[str | None, typer.Option(help="queued, running, ready, failed, failed_qc")] = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Exports, newest first."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        data = check(client.get("/api/v1/exports", params={k: v for k, v in
                                                           (("asset_id", asset), ("status", status)) if v}))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("export", "asset", "preset", "status", "progress", "created")
    for e in data["items"]:
        table.add_row(e["id"], e["asset_id"][:8], e["preset"], e["status"], f"{e['progress']:.0%}",
                      e["created_at"][:19])
    out.print(table)
    out.print(f"{data['total']} export(s)")


@exports_app.command("show")
def exports_show(export_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One export: status, outputs and the QC report."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        e = check(client.get(f"/api/v1/exports/{export_id}"))
    if as_json:
        print(json.dumps(e, ensure_ascii=False, indent=2))
        return
    out.print(_qc_table(e))
    for o in e["outputs"]:
        out.print(f"{o['name']}  {o['size_bytes']} bytes  {o['content_type']}")
    if e.get("error"):
        out.print(f"[red]{escape(e['error'])}[/]")


@exports_app.command("cancel")
def exports_cancel(export_id: str) -> None:
    """Cancel a queued or running export."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        e = check(client.delete(f"/api/v1/exports/{export_id}"))
    out.print(f"{e['id']} {e['status']}")


def deliver(export_id: str,
            platform: Annotated[str, typer.Option(help="xuexi, douyin, wechat-channels, app, tv, …")],
            status: Annotated[str, typer.Option(help="submitted, published, adopted, rejected")] = "submitted",
            url: Annotated[str | None, typer.Option()] = None,
            note: Annotated[str | None, typer.Option()] = None,
            delivery: Annotated[str | None, typer.Option(help="move this existing delivery on instead")] = None
            ) -> None:
    """Record that an export went to a platform, or move a delivery on (e.g. submitted → adopted)."""
    body = {"platform": platform, "status": status, "url": url, "note": note}
    with exit_on_api_error(err), make_client(get_settings()) as client:
        if delivery:
            d = check(client.patch(f"/api/v1/deliveries/{delivery}", json={"status": status, "url": url,
                                                                             "note": note}))
        else:
            d = check(client.post(f"/api/v1/exports/{export_id}/deliveries", json=body))
    out.print(f"delivery {d['id']}: {d['platform']} {d['status']}")


def review(export_id: str,
           decision: Annotated[str, typer.Argument(help="approve or reject")],
           note: Annotated[str | None, typer.Option(help="what to fix (a reject needs one)")] = None,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sign the next review level (三审: 初审, 复审, 终审) of an export: approve, or reject with a note."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        state = check(client.post(f"/api/v1/exports/{export_id}/reviews", json={"decision": decision, "note": note}))
    if as_json:
        print(json.dumps(state, ensure_ascii=False, indent=2))
        return
    table = Table("round", "level", "by", "decision", "note", "at", title=f"review of {export_id}: {state['state']}")
    for st in state["steps"]:
        table.add_row(str(st["round"]), st["name"], escape(st["user"]), st["decision"], escape(st["note"] or ""),
                      st["at"][:19])
    out.print(table)
    if nxt := state.get("next_level"):
        out.print(f"next: {nxt['name']} ({nxt['role']})")


@report_app.command("deliveries")
def report_deliveries(from_: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
                      to: Annotated[str | None, typer.Option(help="YYYY-MM-DD (whole day)")] = None,
                      as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Deliveries counted by platform × status × project × month."""
    params = {k: v for k, v in (("from", from_), ("to", to)) if v}
    with exit_on_api_error(err), make_client(get_settings()) as client:
        data = check(client.get("/api/v1/reports/deliveries", params=params))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("month", "platform", "project", "status", "count")
    for r in data["rows"]:
        table.add_row(r["month"], r["platform"], escape(r["project"] or ""), r["status"], str(r["count"]))
    out.print(table)
    for platform, counts in data["totals"].items():
        out.print(f"{platform}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
