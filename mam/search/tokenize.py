"""Text analysis for search: index terms for a document field, and an engine-neutral parsed user query.

Index side, ``index_terms(text)``:

1. the token stream, in text order: every run of Han characters is segmented by jieba in search mode
   (``cut_for_search``: a word's dictionary sub-words, then the word itself), with the newsroom's user
   dictionary ``config/search_userdict.txt``; every other run is split into lower-cased words;
2. then, once each, the pinyin forms of the Han tokens that are not already terms: the full pinyin without
   tones (京雄铁路 → ``jingxiongtielu``, 京雄 → ``jingxiong``) and, for words of two characters or more, the
   initials (``jxtl``, ``jx``).

Every term is a non-empty, lower-case run of alphanumeric characters (no whitespace, no punctuation) of at
most ``MAX_TERM_LEN`` characters. So the terms joined by spaces (``index_text``) can be stored in a full-text
column whose tokenizer only splits on ASCII whitespace/punctuation and keeps every term whole:

* SQLite FTS5: ``tokenize='ascii'`` (``render_fts5.FTS5_TOKENIZE``): ASCII letters and digits and *all*
  non-ASCII characters are token characters, so a Han word or a term with accents stays one token, independent
  of the Unicode tables compiled into SQLite (``unicode61`` would also work for these terms, but splits on any
  character its Unicode 6.1 tables do not know). Case folding and diacritics are done here, not by SQLite.
* PostgreSQL: tsvector / tsquery literals of the same terms (``render_pg.pg_tsvector``, ``pg_tsquery``),
  stored as given.

Query side, ``query_terms(text)`` → ``Query`` (see its docstring), engine-neutral. The engine syntax lives in
``mam.search.render_fts5`` (``fts5_match``: every term a quoted FTS5 string, so user input never becomes FTS
syntax) and ``mam.search.render_pg`` (the tsquery counterpart); both are re-exported here.

Phrases are matched against the token stream (part 1), analysed the same way as the document, so a phrase
matches when the document segments the same words in the same order.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from mam.search.render_fts5 import FTS5_TOKENIZE, fts5_exclusion_match, fts5_match
from mam.search.render_pg import pg_exclusion_tsquery, pg_tsquery, pg_tsvector

if TYPE_CHECKING:
    from collections.abc import Iterator

    import jieba

__all__ = [  # the engine renderings are re-exported from render_fts5 / render_pg for existing importers
    "FTS5_TOKENIZE",
    "MAX_TERM_LEN",
    "Query",
    "fts5_exclusion_match",
    "fts5_match",
    "index_terms",
    "index_text",
    "pg_exclusion_tsquery",
    "pg_tsquery",
    "pg_tsvector",
    "query_terms",
    "token_spans",
    "userdict_path",
]

log = logging.getLogger(__name__)

MAX_TERM_LEN = 64
"""Longer words are cut to this many characters, at index and query time alike."""
MAX_QUERY_LEN = 1000
"""Characters of a user query that are read; the rest is ignored."""
MAX_QUERY_TERMS = 32
"""Terms (must groups + phrases + exclusions + prefixes) kept from one query; the rest are ignored."""
MAX_PHRASE_TOKENS = 32
"""Tokens kept from one quoted phrase."""
MIN_IMPLICIT_PREFIX = 2
"""A query word of this many ASCII letters or more (English or pinyin) is matched as a prefix."""

_USERDICT = "search_userdict.txt"

# Han ideographs: Extension A, the URO, compatibility ideographs, Extensions B–F and G.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
_RUNS = re.compile(f"([{_HAN}]+)|([^{_HAN}]+)")
_POSSESSIVE = re.compile(r"(?<=[^\W_])['’]s\b")  # newsroom's → newsroom
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W_])['’](?=[^\W_])")  # xi'an → xian, o'neil → oneil
_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits: "1080i50", "4k", "2024"
_QUERY_QUOTES = str.maketrans(dict.fromkeys("“”„‟「」『』", '"'))
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def userdict_path() -> Path:
    """``config/search_userdict.txt``: one ``word frequency pos`` per line, jieba's user dictionary format."""
    return Path(str(resources.files("config").joinpath(_USERDICT)))


def _build_tokenizer() -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs the dictionary load at DEBUG to its own stderr handler
    tk = jieba.Tokenizer()
    tk.initialize()
    path = userdict_path()
    if path.is_file():
        tk.load_userdict(str(path))
    else:
        log.warning("search user dictionary %s not found: segmenting with jieba's dictionary only", path)
    return tk


def _jieba() -> jieba.Tokenizer:
    """The module's own jieba tokenizer (never jieba's global one), built once on first use."""
    global _tokenizer
    tk = _tokenizer
    if tk is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build_tokenizer()
            tk = _tokenizer
    return tk


@functools.lru_cache(maxsize=65536)
def _pinyin_forms(word: str) -> tuple[str, ...]:
    """(full pinyin, initials) of a Han word, initials only for two syllables or more; () if any has none.

    pypinyin's defaults: its phrase dictionary picks the reading of polyphones in context (重庆 → chongqing,
    银行 → yinhang), no tones, ü written v (绿 → lv).
    """
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(word)
    if not syllables or not all(s.isascii() and s.isalpha() for s in syllables):
        return ()
    forms = ["".join(syllables).lower()[:MAX_TERM_LEN]]
    if len(syllables) > 1:
        forms.append("".join(s[0] for s in syllables).lower()[:MAX_TERM_LEN])
    return tuple(forms)


def _fold_latin(text: str) -> str:
    """Drop accents from Latin letters (café → cafe, Xióng'ān → xiong'an); other scripts' marks are kept."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _words(run: str) -> Iterator[str]:
    """Words of a non-Han run: lower-cased, accents folded, possessives stripped, split on non-alphanumerics."""
    run = _fold_latin(run.lower())
    run = _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", run))
    for word in _WORD.findall(run):
        yield word[:MAX_TERM_LEN]


def _analyse(text: str, *, search: bool) -> Iterator[tuple[str, bool]]:
    """(token, is_han) in text order; Han runs by jieba, search mode or precise mode."""
    text = unicodedata.normalize("NFKC", text)
    for han, other in _RUNS.findall(text):
        if han:
            tk = _jieba()
            for token in tk.cut_for_search(han) if search else tk.cut(han):
                if token and token.isalnum():
                    yield token[:MAX_TERM_LEN], True
        else:
            for word in _words(other):
                yield word, False


def index_terms(text: str) -> list[str]:
    """Every term to index for a document field: its token stream in order, then the pinyin forms."""
    stream: list[str] = []
    han: dict[str, None] = {}
    for token, is_han in _analyse(text or "", search=True):
        stream.append(token)
        if is_han:
            han[token] = None
    seen = set(stream)
    extras: list[str] = []
    for token in han:
        for form in _pinyin_forms(token):
            if form not in seen:
                seen.add(form)
                extras.append(form)
    return stream + extras


def index_text(text: str) -> str:
    """``index_terms`` joined by spaces: the value to store in a full-text column (see the module docstring)."""
    return " ".join(index_terms(text))


@dataclass
class Query:
    """A parsed user query, engine-neutral; a document matches when all of these hold:

    * ``must``: for each query word, the alternatives of which the document has at least one: a Han word's
      jieba token and its full pinyin (homophones match too), or an English/number word;
    * ``phrases``: each phrase's token sequence, joined by single spaces, occurs in that order in the token
      stream;
    * ``prefixes``: the document has a term starting with each (``jingx*`` explicitly, or any word of ASCII
      letters, e.g. pinyin "jingx" or initials "jx");
    * ``exclude``: none of these occurs (same representation as ``phrases``: a single term or a sequence).

    Every term is an index term as ``index_terms`` makes them (no whitespace, no punctuation).
    """

    must: list[list[str]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when nothing positive is asked for: no document is to be returned."""
        return not (self.must or self.phrases or self.prefixes)


def _sequence(text: str) -> str:
    tokens = [token for token, _ in _analyse(text, search=True)]
    return " ".join(tokens[:MAX_PHRASE_TOKENS])


def query_terms(text: str) -> Query:
    """Parse a search box: words, ``"quoted phrases"`` (also “…”), ``-word`` / ``-"phrase"`` exclusions, ``word*``.

    Never raises on any input; input beyond ``MAX_QUERY_LEN`` characters or ``MAX_QUERY_TERMS`` terms is ignored.
    """
    q = Query()
    text = unicodedata.normalize("NFKC", (text or "")[:MAX_QUERY_LEN]).translate(_QUERY_QUOTES)

    def room() -> bool:
        return len(q.must) + len(q.phrases) + len(q.exclude) + len(q.prefixes) < MAX_QUERY_TERMS

    for minus, quoted, bare in _QUERY_TOKEN.findall(text):
        if not room():
            break
        if bare.startswith("-"):
            minus, bare = "-", bare[1:]
        if minus:
            sequence = _sequence(quoted or bare.rstrip("*"))
            if sequence and sequence not in q.exclude:
                q.exclude.append(sequence)
            continue
        if quoted or not bare:
            sequence = _sequence(quoted)
            if sequence and sequence not in q.phrases:
                q.phrases.append(sequence)
            continue
        explicit_prefix = bare.endswith("*")
        units = list(_analyse(bare.rstrip("*"), search=False))
        for i, (unit, is_han) in enumerate(units):
            if not room():
                break
            implicit_prefix = not is_han and unit.isascii() and unit.isalpha() and len(unit) >= MIN_IMPLICIT_PREFIX
            if (explicit_prefix and i == len(units) - 1) or implicit_prefix:
                if unit not in q.prefixes:
                    q.prefixes.append(unit)
                continue
            alternatives = [unit, *_pinyin_forms(unit)[:1]] if is_han else [unit]
            if alternatives not in q.must:
                q.must.append(alternatives)
    return q


def token_spans(text: str) -> tuple[str, list[tuple[int, int, frozenset[str]]]]:
    """The NFKC form of ``text`` and its tokens as ``(start, end, terms)``: character offsets into that form and
    the index terms the token stands for (itself and, for Han words, its pinyin forms). Han runs are cut in
    search mode, so spans overlap (京雄, 城际, 京雄城际). Used to highlight what a query matched."""
    text = unicodedata.normalize("NFKC", text or "")
    spans: list[tuple[int, int, frozenset[str]]] = []
    for m in _RUNS.finditer(text):
        if m.group(1):
            for word, start, end in _jieba().tokenize(m.group(1), mode="search"):
                if word.isalnum():
                    word = word[:MAX_TERM_LEN]
                    spans.append((m.start() + start, m.start() + end, frozenset((word, *_pinyin_forms(word)))))
        else:
            for w in _WORD.finditer(m.group(2)):
                term = _fold_latin(w.group(0).lower())[:MAX_TERM_LEN]
                spans.append((m.start() + w.start(), m.start() + w.end(), frozenset((term,))))
    return text, spans
