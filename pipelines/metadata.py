"""The metadata step: container tags, EXIF/XMP, DJI/GPX telemetry sidecars, capture time and place.

Nothing here fails an asset: each source that cannot be read adds a warning and the rest goes on. A store
that does not answer (``TransientError``) is not a bad file: it propagates, and the step is retried.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from mam import catalog
from mam.errors import TransientError
from mam.facts import Capture, Location, Telemetry
from mam.metadata import track as tracks
from mam.metadata.capture import best_capture
from mam.metadata.dji_srt import TelemetryTrack, parse_srt_file
from mam.metadata.exif import StillMetadata, read_still_metadata
from mam.metadata.gpx import parse_track_file
from mam.metadata.places import place_tags, reverse_geocode_many
from mam.metadata.quicktime import ContainerMetadata, read_container_metadata
from mam.metadata.subtitles import parse_subtitle_file
from mam.numbers import as_float
from mam.tags import replace_source
from mam.utc import aware_utc
from pipelines.context import StepContext, StepResult
from pipelines.ingest import fetch_original

log = logging.getLogger(__name__)
TRACK_SIDECARS = ("srt", "gpx", "flight_log")


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _read_sidecar_tracks(ctx: StepContext, sidecars: list[dict[str, Any]], warnings: list[str]
                         ) -> tuple[TelemetryTrack | None, dict[str, str]]:
    """The first sidecar track with positions; also what each sidecar turned out to be."""
    found: TelemetryTrack | None = None
    roles: dict[str, str] = {}
    for sc in sidecars:
        if sc["kind"] not in TRACK_SIDECARS:
            continue
        path = ctx.workdir / f"sidecar-{len(roles)}{Path(sc['filename']).suffix.lower()}"
        try:
            ctx.storage.get_to_path(sc["key"], path)
            parsed = parse_srt_file(path) if sc["kind"] == "srt" else parse_track_file(path)
        except TransientError:
            raise
        except Exception as exc:  # a sidecar never fails the asset
            warnings.append(f"sidecar {sc['filename']}: could not be read ({exc})")
            continue
        if parsed.positioned:
            roles[sc["filename"]] = "telemetry"
            warnings += [f"sidecar {sc['filename']}: {w}" for w in parsed.warnings]
            found = found or parsed
        elif sc["kind"] == "srt" and not parsed.points:
            roles[sc["filename"]] = "subtitles"
        else:
            roles[sc["filename"]] = "telemetry without positions"
            warnings += [f"sidecar {sc['filename']}: {w}" for w in parsed.warnings]
    return found, roles


TEXT_SIDECARS = ("subtitle", "transcript")


def _read_text_sidecars(ctx: StepContext, sidecars: list[dict[str, Any]], roles: dict[str, str],
                        duration_s: float | None, warnings: list[str]) -> list[dict[str, Any]]:
    """Subtitle and transcript cues of the text sidecars (DJI-style .SRT files that held no telemetry too)."""
    cues: list[dict[str, Any]] = []
    for i, sc in enumerate(sidecars):
        if sc["kind"] not in TEXT_SIDECARS and roles.get(sc["filename"]) != "subtitles":
            continue
        path = ctx.workdir / f"text-{i}{Path(sc['filename']).suffix.lower()}"
        try:
            ctx.storage.get_to_path(sc["key"], path)
        except TransientError:
            raise
        except Exception as exc:  # a sidecar never fails the asset
            warnings.append(f"sidecar {sc['filename']}: could not be read ({exc})")
            continue
        found, notes = parse_subtitle_file(path, duration_s=duration_s)
        warnings += [f"sidecar {sc['filename']}: {n}" for n in notes]
        source = "transcript" if sc["kind"] == "transcript" else "subtitle"
        cues += [{"start_s": c.start_s, "end_s": c.end_s, "text": c.text, "source": source,
                  "sidecar": sc["filename"]} for c in found]
    return cues


def _duration(raw_probe: dict[str, Any] | None) -> float | None:
    return as_float((raw_probe or {}).get("format", {}).get("duration"), finite=False)


def extract(ctx: StepContext, *, kind: str, filename: str, original_key: str, raw_probe: dict[str, Any] | None,
            sidecars: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the metadata step records (``capture`` and ``telemetry`` as facts), no catalog access."""
    warnings: list[str] = []
    container: ContainerMetadata | None = None
    still: StillMetadata | None = None
    if raw_probe is not None:
        container = read_container_metadata(raw_probe)
        warnings += container.warnings
    if kind == "image":
        still = read_still_metadata(fetch_original(ctx, original_key))
        warnings += still.warnings
    telemetry, roles = _read_sidecar_tracks(ctx, sidecars, warnings)
    transcript = _read_text_sidecars(ctx, sidecars, roles, _duration(raw_probe), warnings)
    cap = best_capture(telemetry=telemetry, still=still, container=container, filename=filename)
    loc = cap.location
    capture = Capture(
        time=_iso(cap.time), time_source=cap.time_source, device=cap.device, device_source=cap.device_source,
        notes=cap.notes, location=Location(lat=loc.lat, lon=loc.lon, alt_m=loc.alt_m) if loc else None,
        location_source=cap.location_source,
    )
    if still is not None:
        capture = capture.with_(lens=still.lens, orientation=still.orientation, drone=still.drone or None,
                                xmp_keys=sorted(still.xmp)[:200])
    if container is not None and container.software:
        capture = capture.with_(software=container.software)
    tele = Telemetry.empty()
    if telemetry is not None:
        summary = tracks.summarise(telemetry.points)
        warnings += summary.warnings
        tele = Telemetry.from_summary(summary, format=telemetry.format,
                                      encoded=tracks.encode_points(telemetry.points))
        cams = [p for p in telemetry.points if p.iso is not None or p.fnum is not None]
        if cams:
            first = cams[0]
            tele = tele.with_(camera={k: v for k, v in asdict(first).items()
                                      if k in ("iso", "shutter", "fnum", "ev", "ct_k", "focal_len_mm")
                                      and v is not None})
    spots = []
    if tele.start:
        spots.append((tele.start.lat, tele.start.lon))
        spots.append((tele.end.lat, tele.end.lon))
    elif cap.location:
        spots.append((cap.location.lat, cap.location.lon))
    places: list[dict[str, Any]] = []
    try:
        for place in reverse_geocode_many(spots) if spots else []:
            if place is not None and asdict(place) not in places:
                places.append(asdict(place))
    except Exception as exc:
        warnings.append(f"places: reverse geocoding failed ({exc})")
    return {"capture": capture, "captured_at": cap.time, "telemetry": tele, "places": places,
            "transcript": transcript, "warnings": list(dict.fromkeys(warnings)), "sidecar_roles": roles}


def metadata_step(ctx: StepContext, raw_probe: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read every metadata source of the asset and record capture, telemetry and places; the warnings are
    returned in the result (``found["warnings"]``) for the workflow to keep."""
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        kind, filename, key = asset.kind or "", asset.original_filename, asset.original_key
        sidecars = [{"kind": sc.kind, "filename": sc.filename, "key": sc.key} for sc in asset.sidecars]
    try:
        found = extract(ctx, kind=kind, filename=filename, original_key=key, raw_probe=raw_probe, sidecars=sidecars)
    except TransientError:
        raise
    except Exception as exc:  # metadata is a bonus: the asset still gets its renditions
        log.exception("metadata step failed for %s", ctx.asset_id)
        found = {"capture": Capture.empty(), "captured_at": None, "telemetry": Telemetry.empty(), "places": [],
                 "sidecar_roles": {}, "transcript": [],
                 "warnings": [f"metadata could not be read: {type(exc).__name__}: {exc}"]}
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        capture, tele = found["capture"], found["telemetry"]
        asset.capture, asset.telemetry, asset.places = capture.to_json(), tele.to_json(), found["places"]
        asset.captured_at = aware_utc(found["captured_at"]) if found["captured_at"] else None  # the sort key
        asset.transcript = found["transcript"]
        if kind == "image" and capture.orientation:
            asset.technical = asset.technical_facts.with_(orientation=capture.orientation).to_json()
        names = [t for p in found["places"] for t in place_tags_from_dict(p)]
        if not tele.is_empty or capture.drone or is_drone(capture.device):
            names.insert(0, "aerial")
        asset.auto_tags = replace_source(asset.auto_tags or [], "metadata", names)
        for sc in asset.sidecars:
            role = found["sidecar_roles"].get(sc.filename)
            if role == "subtitles":
                sc.kind = "subtitle"
    return found


_HANDHELD = ("osmo", "pocket", "action", "ronin")
_AIRFRAMES = ("dji", "skydio", "parrot", "anafi", "autel", "l1d-20c", "l2d-20c")  # Mavic 2/3 Hasselblad cameras


def is_drone(device: str | None) -> bool:
    """Whether a device name is an aircraft camera: DJI (drones, FC#### cameras, Zenmuse payloads; not the
    Osmo / Pocket / Action / Ronin handhelds), Skydio, Parrot, Autel, the Hasselblad cameras of Mavic 2/3."""
    d = (device or "").lower()
    return bool(d) and not any(h in d for h in _HANDHELD) and any(a in d for a in _AIRFRAMES)


def place_tags_from_dict(place: dict[str, Any]) -> list[str]:
    """Search tags of a stored place record."""
    from mam.metadata.places import Place

    return place_tags(Place(**place))


def describe_step(ctx: StepContext) -> StepResult:
    """Probe (with its gate), then read the metadata: the whole work of the ingest queue."""
    from pipelines.ingest import probe_step

    _tech, raw = probe_step(ctx, with_raw=True)
    return StepResult(warnings=metadata_step(ctx, raw)["warnings"])
