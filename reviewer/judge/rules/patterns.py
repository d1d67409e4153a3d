"""Faster forms of the rules judge's patterns, matching exactly what the plain forms match.

- A list of words becomes one pattern shaped as a tree of shared prefixes (退出 | 退休 | 退回 → 退(?:出|休|回)),
  which the regular-expression engine tries in one step per character instead of one word at a time. At
  each position it matches the longest word that matches there, as the plain alternation sorted longest
  first does.
- Texts without a digit, or without a Latin letter, are ruled out before a pattern that needs one is run.
- A pattern that does not begin with a plain character is tried only where a match can begin (`gated`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable

from .gates import GATES

# \d, as the patterns it gates say it: NFKC leaves other scripts' digits (١٢) as they are, and Decimal and int
# read them.
_DIGIT = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z]")


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN.search(text) is not None


def holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether the text holds any of these words: `any(w in text for w in words)` as a plain loop, without a
    generator's frame (asked of every text, most of which hold none)."""
    for word in words:
        if word in text:
            return True
    return False


def words_pattern(words: Iterable[str]) -> str:
    """A pattern matching, at each position, the longest of these words found there."""
    tree: dict = {}
    for word in set(words):
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branch(tree)


def _branch(node: dict) -> str:
    ends = "" in node
    options = [re.escape(char) + _branch(child) for char, child in sorted(node.items()) if char]
    if not options:
        return ""
    body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
    return f"(?:{body})?" if ends else body


# --- a pattern run only where a match can begin ---------------------------------------------
# Python's engine tries a pattern at every position of a text. Where the pattern does not begin with a
# plain literal or character class (an alternation of groups, a lookbehind first), it runs the whole
# pattern at each position, though most characters can begin no match. `gated` puts a lookahead for the
# characters that can begin a match in front: at other positions the attempt fails on one test. The
# matches are the same (the lookahead only skips positions where no match can begin; it consumes
# nothing and adds no group). The characters are read from the parsed pattern, so they follow it when
# it changes; a pattern whose first character cannot be bounded (., [^…], an empty match) is left as is.

try:  # the stdlib `re` package's parser and opcodes (Python 3.11+); private, so a Python without them
    import re._constants as _C  # noqa: E402  runs every pattern plain (gated returns it unchanged)
    import re._parser as _P  # noqa: E402
except ImportError:  # pragma: no cover
    _C = _P = None

_CATEGORY = {} if _C is None else {_C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_NOT_DIGIT: r"\D", _C.CATEGORY_SPACE: r"\s",
             _C.CATEGORY_NOT_SPACE: r"\S", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_NOT_WORD: r"\W"}
_ZERO_WIDTH = () if _C is None else (_C.AT, _C.ASSERT, _C.ASSERT_NOT)
_REPEATS = () if _C is None else (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT)


class _Unbounded(Exception):
    """The first character of a match cannot be bounded by a class."""


def _char(code: int) -> str:
    return re.escape(chr(code))


def _first_of_sequence(items) -> tuple[set[str], bool]:
    """Class pieces for the first character of a sequence, and whether the sequence can match empty."""
    found: set[str] = set()
    for op, av in items:
        pieces, empty = _first_of(op, av)
        found |= pieces
        if not empty:
            return found, False
    return found, True


def _first_of(op, av) -> tuple[set[str], bool]:
    if op is _C.LITERAL:
        return {_char(av)}, False
    if op is _C.IN:
        pieces = set()
        for kind, value in av:
            if kind is _C.LITERAL:
                pieces.add(_char(value))
            elif kind is _C.RANGE:
                pieces.add(f"{_char(value[0])}-{_char(value[1])}")
            elif kind is _C.CATEGORY and value in _CATEGORY:
                pieces.add(_CATEGORY[value])
            else:  # a negated class, or a category without a class form
                raise _Unbounded
        return pieces, False
    if op is _C.SUBPATTERN:
        _, add_flags, del_flags, body = av
        if add_flags or del_flags:  # (?i:…) inside: the class would not carry the flag
            raise _Unbounded
        return _first_of_sequence(body)
    if op is _C.ATOMIC_GROUP:
        return _first_of_sequence(av)
    if op is _C.BRANCH:
        found: set[str] = set()
        empty = False
        for alternative in av[1]:
            pieces, alt_empty = _first_of_sequence(alternative)
            found |= pieces
            empty = empty or alt_empty
        return found, empty
    if op in _REPEATS:
        low, _, body = av
        pieces, empty = _first_of_sequence(body)
        return pieces, empty or low == 0
    if op in _ZERO_WIDTH:  # consumes nothing: the next item begins the match
        return set(), True
    raise _Unbounded  # any character, a back-reference, a conditional group


def first_chars(pattern: str | re.Pattern, flags: int = 0) -> str | None:
    """A character class (`[…]`) holding every character a match of the pattern can begin with; None when
    that cannot be bounded, or the pattern can match an empty string."""
    if _P is None:
        return None
    source, flags = _source(pattern, flags)
    try:
        pieces, empty = _first_of_sequence(_P.parse(source, flags))
    except (_Unbounded, re.error, RecursionError, AttributeError):
        return None
    if empty or not pieces:
        return None
    return "[" + "".join(sorted(pieces)) + "]"


def gated(pattern: str | re.Pattern, flags: int = 0) -> re.Pattern:
    """The pattern compiled to be tried only at positions where a match can begin (see above).

    Give it the pattern's text: compiled first only to be read back, each pattern would be compiled twice,
    and compiling is most of what importing the judge costs (classes of Chinese characters are slow to
    build). Given the text, it is compiled where it is first used (Deferred): a third of the judge's patterns
    are used by few forms, and a run that never needs one does not compile it. A compiled pattern is taken
    too, and returned as it is when it cannot be gated."""
    if isinstance(pattern, str):
        return Deferred(pattern, flags)  # type: ignore[return-value]  # it answers as the compiled pattern does
    return _gate(pattern, flags)


def gate_key(source: str, flags: int) -> str:
    """What gates.py files a pattern's first characters under: a digest of its text and flags."""
    return hashlib.blake2b(f"{flags}\0{source}".encode(), digest_size=12).hexdigest()


def _first_chars_known(source: str, flags: int) -> str | None:
    """first_chars, read from gates.py when it holds them for this very text (parsing a pattern to find them costs
    about a third of compiling it); a pattern changed since, or not there, has them found anew."""
    key = gate_key(source, flags)
    return GATES[key] if key in GATES else first_chars(source, flags)


def _gate(pattern: str | re.Pattern, flags: int) -> re.Pattern:
    source, flags = _source(pattern, flags)
    chars = _first_chars_known(source, flags)
    if chars is not None:
        try:
            return re.compile(f"(?={chars})(?:{source})", flags)
        except re.error:  # global flags inside the pattern must stay at its start
            pass
    return pattern if isinstance(pattern, (re.Pattern, Deferred)) else re.compile(source, flags)


def lazy(pattern: str, flags: int = 0) -> re.Pattern:
    """The pattern, compiled (as it is: not gated) the first time it is used. For a pattern few texts reach: a
    run that never needs it does not compile it (a class of Chinese characters costs ~1 ms to build)."""
    return Deferred(pattern, flags, gate=False)  # type: ignore[return-value]  # it answers as the pattern does


class Deferred:
    """A pattern (gated unless told) compiled the first time any of its attributes is read. Its methods and
    attributes are then the compiled pattern's own, kept on this object, so a call costs what a call on the
    pattern does (__getattr__ runs only for a name this object does not hold yet)."""

    def __init__(self, source: str, flags: int, gate: bool = True) -> None:
        self._source = source
        self._flags = flags
        self._gated = gate

    def __getattr__(self, name: str):  # noqa: ANN204 - whatever the compiled pattern holds
        if name.startswith("_"):  # not ours to answer (copy, pickle), nor reached before __init__ set ours
            raise AttributeError(name)
        compiled = _gate(self._source, self._flags) if self._gated else re.compile(self._source, self._flags)
        for attr in _PATTERN_ATTRIBUTES:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"Deferred({self._source!r}, {self._flags})"


_PATTERN_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner",
                       "pattern", "flags", "groups", "groupindex")


def _source(pattern: str | re.Pattern, flags: int) -> tuple[str, int]:
    return (pattern.pattern, pattern.flags) if isinstance(pattern, (re.Pattern, Deferred)) else (pattern, flags)
