"""Similar shots: other assets whose shot keyframes look alike, by the Hamming distance of the media pass's
64-bit perceptual hashes (``search_shots``).

The comparison is exhaustive (every stored hash, vectorised with numpy: XOR and a bit count), so nothing within
``max_distance`` is missed; it costs one indexed scan of ``search_shots``, which stays small (8 bytes a shot).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mam.search import schema

DEFAULT_MAX_DISTANCE = 10


@dataclass
class ShotMatch:
    shot_index: int  # the asked-about asset's shot
    other_index: int
    start_s: float | None  # of the other shot
    end_s: float | None
    distance: int


@dataclass
class SimilarAsset:
    asset_id: str
    distance: int  # the best match
    matches: list[ShotMatch] = field(default_factory=list)


def similar_assets(session: Session, asset_id: str, *, max_distance: int = DEFAULT_MAX_DISTANCE,
                   limit: int = 20) -> list[SimilarAsset]:
    """Assets with at least one shot within ``max_distance`` bits of one of ``asset_id``'s, closest first."""
    d, s = schema.docs, schema.shots
    own = session.execute(select(s.c.shot_index, s.c.phash).join(d, d.c.id == s.c.doc_id)
                          .where(d.c.asset_id == asset_id).order_by(s.c.shot_index)).all()
    if not own:
        return []
    rows = session.execute(select(d.c.asset_id, s.c.shot_index, s.c.start_s, s.c.end_s, s.c.phash)
                           .join(d, d.c.id == s.c.doc_id).where(d.c.asset_id != asset_id)).all()
    if not rows:
        return []
    hashes = np.array([r[4] for r in rows], dtype=np.int64).view(np.uint64)
    found: dict[str, SimilarAsset] = {}
    for own_index, own_hash in own:
        dist = np.bitwise_count(hashes ^ np.array([own_hash], dtype=np.int64).view(np.uint64)[0])
        for i in np.flatnonzero(dist <= max_distance):
            other_id, other_index, start_s, end_s, _ = rows[i]
            hit = found.setdefault(other_id, SimilarAsset(other_id, int(dist[i])))
            hit.distance = min(hit.distance, int(dist[i]))
            hit.matches.append(ShotMatch(own_index, other_index, start_s, end_s, int(dist[i])))
    ranked = sorted(found.values(), key=lambda a: (a.distance, -len(a.matches), a.asset_id))[:limit]
    for a in ranked:
        a.matches.sort(key=lambda m: (m.distance, m.shot_index, m.other_index))
    return ranked
