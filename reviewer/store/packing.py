"""How a stored body is encoded and compressed: the form and scorecard JSON, a form's critique and point texts,
a file's JSON result (reviewed_files). Written zstd-compressed; read back whichever way it was written (zlib
before issue 15's third round, plain text before the compact store).

zstd (one compressor a thread) takes about a third of zlib level 3's CPU on these bodies at a like size (measured
on the five bodies of 300 bench forms: 0.18 against 0.53 ms a form, 16.6 against 16.7 KB). Level 1, not 3: 11% fewer
instructions for the five bodies of a form (1.67 against 1.87 M), 4% larger (a database 35.8 against 35.2 KB a form).
orjson encodes the JSON of a body several times faster than the standard library; the bodies are read back
with json.loads, which takes its compact output alike."""

from __future__ import annotations

import json
import math
import threading
import zlib
from typing import Any

import orjson
import zstandard

LEVEL = 1
# A zstd frame begins with these four bytes; a zlib stream with 0x78 (its 32 KB window), plain text with a
# character of JSON: what unpack tells them apart by.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# A ZstdCompressor or ZstdDecompressor is not safe to share between threads (the workbench serves requests on
# several): one of each a thread, made at its first use. Making one costs about what compressing a body does.
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    try:
        return _local.compressor
    except AttributeError:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
        return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    try:
        return _local.decompressor
    except AttributeError:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
        return decompressor


def pack(text: str | bytes) -> bytes:
    """A body as stored: UTF-8 JSON (text, or bytes already encoded), zstd-compressed (unpack reads it)."""
    return _compressor().compress(text.encode() if isinstance(text, str) else text)


def inflate(body: bytes) -> bytes:
    """A packed body's UTF-8 bytes, zstd or zlib (a database written before zstd) alike."""
    if body[:4] == ZSTD_MAGIC:
        return _decompressor().decompress(body)
    return zlib.decompress(body)


def unpack(value: Any) -> Any:
    """A JSON column as written: compressed (pack, bytes) since the compact store, text before."""
    return inflate(value).decode() if isinstance(value, bytes) else value


def unpack_json(value: bytes) -> Any:
    """A packed body (critique_texts, point_texts) as the JSON it holds."""
    # json.loads, not orjson.loads: that one reads an integer beyond 64 bits as a float.
    return json.loads(inflate(value))


# The standard library's encoding, as every body was written before (json.dumps(..., ensure_ascii=False, default=str)),
# and as schema.to_json writes every JSON column still.
stdlib_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


def body_json(value: Any) -> bytes:
    """`value` as UTF-8 JSON for a body: orjson's compact output, which json.loads reads back as the same value as
    the standard library's. A value holding anything but str, int, bool, None, a finite float, dicts, lists and
    tuples (a Decimal, a NaN, a subclass...) is written by the standard library, as before: the two differ there
    (orjson writes NaN as null, calls default= for a float subclass, takes a dataclass for a dict). orjson refuses
    what it cannot write as the standard library would read it alike (an integer beyond 64 bits, a key that is not
    a string): the standard library writes those too."""
    if _plain(value):
        try:
            return orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return stdlib_json(value).encode()


# Types orjson would write otherwise than the standard library, refused (TypeError, no default=) rather than written:
# a dataclass (orjson: a dict), a datetime (its ISO form, not str()), a subclass of str, int, dict or list.
_REFUSE_ODD = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def plain_json(value: Any) -> bytes:
    """body_json for a value its builder makes of str, int, bool, None, dicts with str keys and lists only: no float,
    no enum (the scorecard of a form's typed fields, the points' texts), so _plain's walk over it (a third of the
    encoding's cost) proves nothing. Any other type it may yet hold orjson refuses (_REFUSE_ODD; a Decimal, an integer
    beyond 64 bits, a key that is not a string) and the standard library writes, as body_json would; a float or an
    enum it would write otherwise (NaN as null, an enum's value): body_json is for values that may hold those."""
    try:
        return orjson.dumps(value, option=_REFUSE_ODD)
    except TypeError:  # orjson.JSONEncodeError
        return stdlib_json(value).encode()


_isfinite = math.isfinite


def _plain(value: Any) -> bool:
    """Whether `value` holds only what orjson and json write alike (body_json)."""
    kind = type(value)
    if kind is dict:
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return kind is str or kind is int or kind is bool or value is None or (kind is float and _isfinite(value))
    for item in items:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue  # most items: no call
        if not _plain(item):
            return False
    return True
