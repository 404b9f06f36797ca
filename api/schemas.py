"""Request and response shapes (the OpenAPI description is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mam.facts import Shot


class ComponentHealth(BaseModel):
    """One part of the system: up, or down with a short public reason."""

    ok: bool
    detail: str | None = Field(None, description="why it is down, in a few words (e.g. \"not answering\"); "
                               "never internal error text")


class Health(BaseModel):
    """``ok`` when the catalog, the object store and the broker all answer, else ``degraded`` (HTTP 503)."""

    status: Literal["ok", "degraded"]
    version: str
    catalog: ComponentHealth
    storage: ComponentHealth
    broker: ComponentHealth


class AssetCreated(BaseModel):
    id: str
    status: str
    duplicate_of: str | None = Field(None, description="set when this file was already stored: the existing asset")
    duplicate_in_trash: bool = Field(False, description="the existing asset is in the trash: "
                                     "`POST /api/v1/assets/{duplicate_of}/restore` brings it back")


class SidecarPublic(BaseModel):
    kind: str = Field(description="srt (DJI telemetry or subtitles), lrf, thm, xmp, subtitle, gpx, flight_log, kml")
    filename: str
    size_bytes: int
    url: str


class RenditionPublic(BaseModel):
    kind: Literal["proxy", "poster", "sprite", "thumbnails_vtt", "waveform"] | str
    name: str = Field(description="file name; sprite sheets are sprite_001.jpg, sprite_002.jpg, … as in the VTT")
    url: str = Field(description="Download URL: needs the same bearer token (local store) or is presigned (S3)")
    content_type: str
    width: int | None = None
    height: int | None = None
    size_bytes: int


class TagPublic(BaseModel):
    name: str
    source: Literal["user", "metadata", "analysis"]


class ShotPublic(BaseModel):
    index: int
    start_s: float
    end_s: float
    thumbnail_url: str | None = None
    motion: str | None = Field(None, description="static, pan, tilt or zoom")
    day_night: str | None = None
    colours: list[dict[str, Any]] | None = None
    faces: int | None = None
    phash: str | None = Field(None, description="64-bit perceptual hash (hex) of the shot's keyframe")

    @classmethod
    def from_shot(cls, shot: Shot, thumbnail_url: str | None) -> ShotPublic:
        """The served shot: the stored fact (``mam.facts.Shot``) with its keyframe's URL."""
        return cls.model_validate({**shot.to_json(), "thumbnail_url": thumbnail_url})


class AssetExportPublic(BaseModel):
    id: str
    preset: str
    status: str
    created_at: datetime


class AssetPublic(BaseModel):
    id: str
    status: Literal["pending", "processing", "ready", "failed"]
    trashed: bool = Field(False, description="in the trash: hidden from search and lists, files kept, restorable")
    trashed_at: datetime | None = None
    created_by: str | None = Field(None, description="id of the user who uploaded it")
    error: str | None = Field(None, description="Why the asset failed, in words a person can act on")
    title: str | None = None
    description: str | None = None
    project: str | None = None
    tags: list[TagPublic] = Field([], description="each with its source: user, metadata or analysis")
    kind: Literal["video", "audio", "image"] | None = None
    original_filename: str
    content_type: str | None = None
    sha256: str | None = None
    size_bytes: int
    progress: float = Field(0.0, description="0..1 while processing; moves at least every 2 s during the media pass")
    eta_s: float | None = Field(None, description="seconds the running media pass still expects to need")
    technical: dict[str, Any] = Field(
        default_factory=dict,
        description="Normalised ffprobe facts: duration_s, width, height, fps, video_codec, audio_codec, "
        "bitrate, rotation, interlaced, dynamic_range, …",
    )
    capture: dict[str, Any] = Field(
        default_factory=dict,
        description="`time` (ISO 8601; naive = local wall clock), `time_source` (telemetry / exif / quicktime / "
        "filename), `device`, `location` {lat, lon, alt}, `location_source`; stills add `lens`, `orientation`, `drone`",
    )
    telemetry: dict[str, Any] | None = Field(
        None, description="Track summary from a DJI .SRT / GPX / flight-log sidecar: `points`, `duration_s`, "
        "`bbox` (w, s, e, n), `start`, `end`, `distance_m`, `max_rel_alt_m`, `line` (simplified [lon, lat]), `camera`",
    )
    places: list[dict[str, Any]] = Field(default_factory=list, description="Offline reverse-geocoded places")
    shots: list[ShotPublic] = []
    loudness: dict[str, Any] = Field(default_factory=dict,
                                     description="EBU R128: `integrated_lufs`, `lra_lu`, `true_peak_dbtp`")
    qc: dict[str, Any] = Field(default_factory=dict,
                               description="`black`, `freeze`, `silence`: lists of {start_s, end_s}")
    ocr: list[dict[str, Any]] = Field(default_factory=list, description="on-screen text: {start_s, end_s, text}")
    transcript: list[dict[str, Any]] = Field(
        default_factory=list, description="cues of subtitle and transcript sidecars: {start_s, end_s, text, source "
        "(subtitle or transcript), sidecar}")
    analysis: dict[str, Any] = Field(default_factory=dict, description="`status` of the keyframe analysis: "
                                     "pending, done or failed (with `error`); it runs after the asset is ready")
    warnings: list[str] = Field(default_factory=list, description="What could not be read, and why")
    renditions: list[RenditionPublic] = []
    sidecars: list[SidecarPublic] = []
    exports: list[AssetExportPublic] = Field(default_factory=list, description="this asset's exports, newest first")
    original_url: str
    created_at: datetime
    updated_at: datetime


class AssetPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[AssetPublic]


class AssetPatch(BaseModel):
    """Fields to change; fields left out stay as they are, ``null`` clears."""

    title: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, description="the user tags (replaces them; automatic tags stay)")
    project: str | None = Field(None, description="project / programme name; a new name creates the project")


class BulkEdit(BaseModel):
    asset_ids: list[str] = Field(min_length=1, max_length=5000)
    add_tags: list[str] = []
    remove_tags: list[str] = []
    project: str | None = Field(None, description="set on every asset when given (`null` clears)")


class BulkResult(BaseModel):
    updated: list[str]
    missing: list[str] = Field(description="ids that name no asset (nothing was done for them)")


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)


class ProjectPublic(BaseModel):
    name: str
    description: str | None = None
    asset_count: int = 0
    created_at: datetime


class SearchHitPublic(BaseModel):
    field: str = Field(description="title, description, project, tags, filename, places, camera, ocr, subtitle, "
                       "transcript, comments, track (the flight passed through the area) or location (captured "
                       "there)")
    snippet: str | None = Field(None, description="HTML-escaped text with the matched words in `<mark>`")
    start_s: float | None = Field(None, description="for on-screen text, cues, timed comments and tracks: where "
                                  "in the media")
    end_s: float | None = None


class SearchItemPublic(BaseModel):
    asset_id: str
    title: str
    score: float = Field(description="relevance (higher is better); 0 without words, and for pages sorted by "
                         "date or duration over more than 5,000 word matches")
    thumbnail_url: str | None = None
    duration_s: float | None = None
    captured_at: datetime | None = None
    kind: str | None = None
    status: str
    project: str | None = None
    camera: str | None = Field(None, description="the capture device (camera, phone, drone)")
    place: str | None = Field(None, description="where it was captured: its first place's names, widest first, "
                              "in Chinese where known (河北省 保定市 雄县)")
    place_en: str | None = Field(None, description="the same place's names in English where known")
    hits: list[SearchHitPublic] = []


class FacetCount(BaseModel):
    value: str
    count: int


class SearchPage(BaseModel):
    total: int = Field(description="how many assets matched: exact up to 10,000, estimated above "
                       "(`total_exact` false)")
    total_exact: bool = True
    page: int
    page_size: int
    items: list[SearchItemPublic]
    facets: dict[str, list[FacetCount]] = Field(
        default_factory=dict, description="`project`, `tag`, `camera`, `kind`, `year`: the top values over "
        "everything matched, with counts")
    facets_estimated: bool = Field(False, description="true when facet counts were scaled from the newest "
                                   "matches (tags over 2,000 matches, every facet over 10,000)")


class ShotMatchPublic(BaseModel):
    shot_index: int = Field(description="the shot of the asset asked about")
    other_index: int
    start_s: float | None = None
    end_s: float | None = None
    distance: int = Field(description="Hamming distance of the 64-bit perceptual hashes (0 = same picture)")


class SimilarItem(BaseModel):
    asset_id: str
    title: str
    thumbnail_url: str | None = None
    distance: int
    matches: list[ShotMatchPublic]


class SimilarPage(BaseModel):
    asset_id: str
    items: list[SimilarItem]


class PresetPublic(BaseModel):
    """An export preset as data (``config/presets/*.yaml``): what it makes and where its numbers come from."""

    model_config = {"extra": "allow"}
    name: str
    title: str
    kind: Literal["video", "hls", "audio", "still"]
    container: str
    source: str
    confidence: Literal["confirmed", "convention", "unconfirmed"]


class ExportRef(BaseModel):
    id: str
    asset_id: str
    preset: str


class ExportCreated(BaseModel):
    exports: list[ExportRef]


class ExportOutputPublic(BaseModel):
    name: str = Field(description="file name inside the export (HLS: master.m3u8, rung playlists, segments)")
    url: str
    size_bytes: int
    content_type: str
    main: bool = Field(False, description="the file to open or hand on (the MP4, the master playlist, …)")


class QcCheckPublic(BaseModel):
    name: str
    want: str
    got: str
    passed: bool


class QcPublic(BaseModel):
    passed: bool
    checks: list[QcCheckPublic]


class DeliveryCreate(BaseModel):
    platform: str = Field(description="e.g. xuexi, douyin, wechat-channels, app, tv")
    status: Literal["submitted", "published", "adopted", "rejected"] = "submitted"
    url: str | None = None
    note: str | None = None


class DeliveryPatch(BaseModel):
    status: Literal["submitted", "published", "adopted", "rejected"] | None = None
    url: str | None = None
    note: str | None = None


class DeliveryPublic(BaseModel):
    id: str
    export_id: str
    platform: str
    status: str
    url: str | None = None
    note: str | None = None
    history: list[dict[str, Any]] = []
    created_at: datetime
    updated_at: datetime


class ReviewIn(BaseModel):
    decision: Literal["approve", "reject"]
    note: str | None = Field(None, max_length=4000, description="what to fix; a reject needs one")


class ReviewStepPublic(BaseModel):
    round: int
    level: int = Field(description="1 = the first level (初审)")
    name: str = Field(description="the level's name, e.g. 初审, 复审, 终审")
    user: str = Field(description="who signed")
    decision: Literal["approve", "reject"]
    note: str | None = None
    at: datetime


class ReviewLevelPublic(BaseModel):
    level: int
    name: str
    role: str = Field(description="the least role that may sign this level")


class ReviewPublic(BaseModel):
    state: Literal["pending", "approved", "rejected", "not_required"] = Field(
        description="of the current round; not_required: the preset needs no review and nobody reviewed it "
        "(deliveries to the platforms in required_for still need the round)")
    round: int = 1
    steps: list[ReviewStepPublic] = Field([], description="every decision of every round, oldest first")
    next_level: ReviewLevelPublic | None = Field(None, description="what the next review signs (after a reject: "
                                                 "the first level of a new round); none once approved")
    required_for: list[str] = Field([], description="platforms whose deliveries need every level approved "
                                    "(\"*\": every platform, the preset needs review)")


class ExportPublic(BaseModel):
    id: str
    batch_id: str
    asset_id: str
    preset: str
    status: Literal["queued", "running", "ready", "failed", "failed_qc", "cancelled"]
    progress: float = 0.0
    eta_s: float | None = None
    error: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    loudness_target: float | None = None
    outputs: list[ExportOutputPublic] = Field([], description="only when every QC check passed")
    qc: QcPublic | None = None
    deliveries: list[DeliveryPublic] = []
    review: ReviewPublic | None = Field(None, description="review and sign-off (三审)")
    created_at: datetime
    updated_at: datetime


class ExportPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[ExportPublic]


class DeliveryReportRow(BaseModel):
    platform: str
    status: str
    project: str | None = None
    month: str = Field(description="YYYY-MM of the delivery record")
    count: int


class DeliveryReport(BaseModel):
    rows: list[DeliveryReportRow]
    totals: dict[str, dict[str, int]] = Field(description="platform → status → count")


# -- people and trust -------------------------------------------------------------------------------------

Role = Literal["viewer", "videographer", "editor", "producer", "admin"]


class LoginIn(BaseModel):
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=1024)


class UserCreate(BaseModel):
    username: str = Field(..., max_length=64, description="2-64 letters, digits, '.', '_', '@' or '-'")
    password: str = Field(..., max_length=1024, description="at least 10 characters")
    role: Role
    display_name: str | None = Field(None, max_length=200)


class UserPatch(BaseModel):
    role: Role | None = None
    disabled: bool | None = Field(None, description="a disabled user's tokens and sessions stop working at once")
    password: str | None = Field(None, max_length=1024)
    display_name: str | None = Field(None, max_length=200)


class UserPublic(BaseModel):
    id: str | None = Field(None, description="empty for the bootstrap admin token")
    username: str
    role: Role
    display_name: str | None = None
    disabled: bool = False
    created_at: datetime | None = None


class MePublic(UserPublic):
    csrf_token: str | None = Field(None, description="signed in with the session cookie: the token to send as "
                                   "`X-CSRF-Token` on unsafe methods (so a reloaded page can go on)")


class SessionState(BaseModel):
    user: MePublic | None = Field(None, description="null: not signed in (or the session ended)")


class LoginOut(BaseModel):
    user: UserPublic
    csrf_token: str = Field(..., description="send it as `X-CSRF-Token` on POST/PUT/PATCH/DELETE with the cookie")


class TokenCreate(BaseModel):
    name: str | None = Field(None, max_length=100)
    expires_days: int | None = Field(None, ge=1, le=3650)


class TokenCreated(BaseModel):
    id: int
    token: str = Field(..., description="shown once; only its hash is stored")
    name: str
    expires_at: datetime | None = None


class TokenPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str | None
    action: str = Field(..., description="dotted name, e.g. `asset.update`, `export.create`, `auth.failed`")
    target_type: str | None = None
    target_id: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict, description="for updates `{field: [before, after]}`")
    ip: str | None = None


class AuditPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[AuditEntryPublic]


# -- comments and collections ------------------------------------------------------------------------------


class CommentIn(BaseModel):
    text: str = Field(..., max_length=5000, description="1-5000 characters")
    t_s: float | None = Field(None, description="seconds into the media the comment is about (none: the whole "
                              "piece)")
    t_end_s: float | None = Field(None, description="end of the span it is about (needs t_s; ≥ t_s)")
    parent_id: str | None = Field(None, description="the comment this one replies to (same asset or export)")


class CommentPatch(BaseModel):
    resolved: bool | None = None
    text: str | None = Field(None, max_length=5000, description="only its author may change the text")


class CommentPublic(BaseModel):
    id: str
    subject_type: Literal["asset", "export"]
    subject_id: str
    parent_id: str | None = None
    author: str = Field(description="username of who wrote it")
    author_display: str | None = Field(None, description="their display name, when they have one")
    text: str
    t_s: float | None = None
    t_end_s: float | None = None
    resolved: bool = False
    created_at: datetime
    updated_at: datetime | None = None
    replies: list[CommentPublic] = Field(default_factory=list, description="oldest first; only in listings")


class CommentList(BaseModel):
    total: int = Field(description="comments and replies in all")
    open: int = Field(description="how many are not resolved")
    items: list[CommentPublic] = Field(description="threads in time order: timed comments by t_s (then when "
                                       "written), then untimed ones by when written; replies nested")


class CollectionIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)


class CollectionPublic(BaseModel):
    id: str
    name: str
    description: str | None = None
    asset_count: int = Field(0, description="assets in it, not counting those in the trash")
    created_by: str | None = Field(None, description="id of the user who made it (none: the bootstrap admin)")
    created_at: datetime
    updated_at: datetime


class CollectionDetail(CollectionPublic):
    assets: AssetPage = Field(description="its assets, most recently added first, in the shape of GET /assets")


class CollectionAssetsIn(BaseModel):
    asset_ids: list[str] = Field(..., min_length=1, max_length=5000)


class CollectionAssetsResult(BaseModel):
    added: list[str] = Field(description="ids put in the collection now")
    already: list[str] = Field(description="ids that were in it before (nothing changed for them)")
    asset_count: int
