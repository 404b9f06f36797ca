"""Small helpers for writing ffmpeg filter graphs by hand."""

from __future__ import annotations


def escape_value(value: str) -> str:
    """A filter option value made safe inside ``-filter_complex``: option-level escaping (``\\ ' :``), then
    graph-level escaping (``\\ ' [ ] , ;``), as ffmpeg's filtergraph syntax documents."""
    for ch in "\\':":
        value = value.replace(ch, "\\" + ch)
    out = []
    for ch in value:
        out.append("\\" + ch if ch in "\\'[],;" else ch)
    return "".join(out)


class Graph:
    """A filter graph as a list of chains with numbered link labels."""

    def __init__(self) -> None:
        self.chains: list[str] = []
        self._n = 0

    def label(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def chain(self, source: str, filters: list[str], out: str | None = None) -> str:
        """``[source]f1,f2[out]``; ``source`` may be an input pad (``0:v:0``) or a label; returns ``out``."""
        if not filters:
            raise ValueError("a chain needs at least one filter")
        out = out or self.label("l")
        self.chains.append(f"[{source}]{','.join(filters)}[{out}]")
        return out

    def split(self, source: str, n: int, *, audio: bool = False) -> list[str]:
        """``n`` labels carrying ``source`` (no split filter when ``n`` is 1)."""
        if n == 1:
            return [source]
        outs = [self.label("s") for _ in range(n)]
        self.chains.append(f"[{source}]{'asplit' if audio else 'split'}={n}" + "".join(f"[{o}]" for o in outs))
        return outs

    def raw(self, text: str) -> None:
        self.chains.append(text)

    def text(self) -> str:
        return ";".join(self.chains)
