"""``Asset.loudness``: EBU R128 loudness of the audio, from the media pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mam.facts.base import Fact


@dataclass(frozen=True)
class Loudness(Fact):
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP, ``None`` for digital silence).

    ``Loudness.empty()`` (stored ``{}``): no audio, a still, or an asset before its media pass."""

    integrated_lufs: float | None = None
    lra_lu: float | None = None
    true_peak_dbtp: float | None = None

    WRITES: ClassVar[tuple[str, ...]] = ("integrated_lufs", "lra_lu", "true_peak_dbtp")
