"""Search text → a safe full-text query for either database, and marked snippets → plain text
with highlight ranges.

Users type web-search syntax: words (all must match), "a phrase", `or` between alternatives
(`clusters or networks funding` = (clusters OR networks) AND funding), `-word` / `-"a phrase"`
to exclude. Only letters and digits reach the database: every word is quoted, so no input can
be read as FTS5 or tsquery syntax (`"`, `NEAR(`, `*`, `:`, `&`, `!` are separators here).
"""

import re
from dataclasses import dataclass

# PostgreSQL's English stop words: a lone one finds nothing on either database (PostgreSQL
# ignores them; SQLite would match nearly every row).
_STOP_WORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself "
    "she her hers herself it its itself they them their theirs themselves what which who whom "
    "this that these those am is are was were be been being have has had having do does did "
    "doing a an the and but if or because as until while of at by for with about against "
    "between into through during before after above below to from up down in out on off over "
    "under again further then once here there when where why how all any both each few more "
    "most other some such no nor not only own same so than too very s t can will just don "
    "should now"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
MAX_PHRASES = 32  # a query of more is cut: each phrase costs an index lookup

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")  # letters and digits only: nothing a query syntax reads

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class TextQuery:
    """All of `groups` (each: any of its phrases) and none of `excluded`."""

    groups: tuple[tuple[Phrase, ...], ...]
    excluded: tuple[Phrase, ...] = ()

    def fts5(self) -> str:
        """The SQLite FTS5 MATCH expression (every phrase double-quoted)."""
        positive = " AND ".join(
            "(" + " OR ".join(_fts5_phrase(p) for p in group) + ")" for group in self.groups
        )
        if not self.excluded:
            return positive
        return f"({positive}) NOT ({' OR '.join(_fts5_phrase(p) for p in self.excluded)})"

    @property
    def has_phrase(self) -> bool:
        return any(len(p) > 1 for group in self.groups for p in group)

    def tsquery(self, *, loose: bool = False) -> str:
        """The PostgreSQL `to_tsquery` text (every word single-quoted; phrases with <->, or,
        when `loose`, with &: a GIN index answers that without reading the rows). Built
        here rather than by `websearch_to_tsquery` so that `or` groups as it does on SQLite
        (websearch_to_tsquery reads `a or b c` as a | (b & c))."""
        join = " & " if loose else " <-> "
        positive = " & ".join(
            "(" + " | ".join(_ts_phrase(p, join) for p in group) + ")" for group in self.groups
        )
        # Exclusions stay exact (loosened, they would exclude more than asked); rows that
        # contain the words mostly pass them, so a LIMIT still stops the scan early.
        negative = "".join(f" & !{_ts_phrase(p, ' <-> ')}" for p in self.excluded)
        return positive + negative


def _fts5_phrase(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'


def _ts_phrase(phrase: Phrase, join: str) -> str:
    return "(" + join.join(f"'{word}'" for word in phrase) + ")"


def words_of(text: str) -> Phrase:
    return tuple(word.lower() for word in _WORD.findall(text))


def parse(q: str) -> TextQuery | None:
    """The query `q` means, or None when it has nothing to look for (no words, stop words
    only, or only exclusions)."""
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    pending_or = False
    for match in _TOKEN.finditer(q):
        minus, quoted, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            pending_or = bool(groups)
            continue
        text = quoted if bare is None else bare.removeprefix("-")
        negative = minus == "-" if bare is None else bare.startswith("-")
        phrase = words_of(text)
        if not phrase or (len(phrase) == 1 and phrase[0] in STOP_WORDS):
            continue
        if negative:
            excluded.append(phrase)
        elif pending_or:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        pending_or = False
    return _bounded(groups, excluded)


def any_of(text: str, *, most: int = 16) -> TextQuery | None:
    """Any of the significant words of `text` (no stop words, at least three characters, not
    only digits), the `most` longest of them (longer words tend to be the rarer, more telling
    ones; and each word costs an index lookup): the "similar to" query."""
    seen: dict[str, None] = {}
    for word in words_of(text):
        if len(word) >= 3 and not word.isdigit() and word not in STOP_WORDS:
            seen.setdefault(word)
    longest = sorted(seen, key=len, reverse=True)[:most]  # stable: ties keep text order
    return _bounded([[(word,) for word in longest]], [])


def _bounded(groups: list[list[Phrase]], excluded: list[Phrase]) -> TextQuery | None:
    kept: list[tuple[Phrase, ...]] = []
    budget = MAX_PHRASES
    for group in groups:
        if budget <= 0:
            break
        kept.append(tuple(group[:budget]))
        budget -= len(kept[-1])
    kept = [group for group in kept if group]
    if not kept:
        return None
    return TextQuery(groups=tuple(kept), excluded=tuple(excluded[:MAX_PHRASES]))


# Private-use characters: the databases mark matches with them, and they are removed from the
# text first (PostgreSQL) or dropped as markers (SQLite), so user text cannot fake a highlight
# anywhere it matters, and the snippet stays plain text.
OPEN, CLOSE = "\ue000", "\ue001"


def unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain text (whitespace runs collapsed, ends trimmed) and the [start, end) code-point
    ranges that the markers enclosed."""
    out: list[str] = []
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for char in marked:
        if char == OPEN:
            start = len(out)
        elif char == CLOSE:
            if start is not None and len(out) > start:
                ranges.append((start, len(out)))
            start = None
        elif char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
    text = "".join(out).rstrip()
    return text, [(a, min(b, len(text))) for a, b in ranges if a < len(text)]
