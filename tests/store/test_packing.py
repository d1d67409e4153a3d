"""Stored bodies (form and scorecard JSON, critique and point texts, a file's JSON result): written zstd-compressed
with orjson's JSON, read back as the same values the standard library's JSON gave, and every body an older
database holds (zlib-compressed, or plain text) still read."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import enum
import hashlib
import json
import sqlite3
import threading
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import run_review, write_form
from formkit import seed_form
from reviewer.config import Config
from reviewer.judge import JudgeSettings
from reviewer.review import json_safe, json_text, result_bytes, review_json
from reviewer.signoff.batch import review_batch
from reviewer.store.packing import ZSTD_MAGIC, body_json, pack, plain_json, unpack, unpack_json
from reviewer.store.points import PointDraft
from reviewer.store.schema import scorecard

# Characters a body must carry through unchanged: controls, bidi overrides, non-BMP, quotes and escapes.
HOSTILE = ("响铃\x07退格\x08 删除\x7f C1\x85\x9b 反向\u202e覆盖\u2066 零宽\u200b\ufeff 全角\u3000空格 行分隔\u2028\u2029"
           " 表情😀 扩展𠀀 引号\"反斜杠\\ 制表\t换行\n回车\r </script>")


def stdlib(value: object) -> bytes:
    """A body's JSON as it was written before orjson."""
    return json.dumps(value, ensure_ascii=False, default=str).encode()


def typed(body: bytes) -> str:
    """The value a body's JSON reads back as, down to its types (1 and 1.0 differ; json.loads says 1 == 1.0)."""
    return json.dumps(json.loads(body), ensure_ascii=False)


def hostile_form() -> dict:
    data = seed_form()
    data["name"] += HOSTILE
    data["unit"] = HOSTILE
    for row in data["indicators"]:
        row["explanation"] = f"{row.get('explanation') or ''}{HOSTILE}"
        row["name"] += HOSTILE[:12]
    return data


@pytest.mark.parametrize("make", [seed_form, hostile_form], ids=["seed", "hostile"])
def test_bodies_read_back_as_the_standard_library_wrote_them(tmp_path: Path, make) -> None:
    path = write_form(tmp_path / "form.json", make())
    # `known` (nothing stored yet) makes the batch pack each file's JSON result, as `review --db` does.
    [[item]] = list(review_batch([path], Config(), JudgeSettings(backend="rules"), known=lambda files: {},
                                 keep_review=True))
    review = item.review
    texts = {f.id: [f.message, f.comment, f.data] for f in review.findings}
    assert any(type(f.data.get("confidence")) is float for f in review.findings)  # floats are among them
    for value in (scorecard(review), texts, review_json(review)):
        assert typed(body_json(value)) == typed(stdlib(value))
    points = unpack_json(item.points_body)  # written by plain_json, as the scorecard is
    assert points and all(type(comment) is str and comment for comment, _ in points.values())
    assert typed(plain_json(scorecard(review))) == typed(stdlib(scorecard(review)))
    assert typed(plain_json(points)) == typed(stdlib(points))
    # What the store is handed: the scorecard and texts bodies, the JSON result; each a zstd frame.
    rows = item.rows
    assert json.loads(unpack(rows.scorecard_json)) == json.loads(stdlib(scorecard(review)))
    assert typed(unpack(rows.texts).encode()) == typed(stdlib(texts))
    assert unpack(rows.form_json) == review.card.canonical_json
    assert unpack(item.packed).encode() == item.encoded
    for body in (rows.form_json, rows.scorecard_json, rows.texts, item.points_body, item.packed):
        assert body[:4] == ZSTD_MAGIC


class Colour(enum.IntEnum):
    RED = 1


class Ratio(float):
    pass


@pytest.mark.parametrize("value", [
    {"nan": float("nan")}, [float("inf"), -float("inf")], {"money": Decimal("1.50")}, {"big": 2 ** 70},
    {1: "int key"}, {"colour": Colour.RED}, [Ratio(0.5)], {"nested": [{"deep": [float("nan")]}]},
], ids=["nan", "infinity", "decimal", "big-int", "int-key", "int-enum", "float-subclass", "nested-nan"])
def test_what_orjson_writes_otherwise_is_written_by_the_standard_library(value: object) -> None:
    assert body_json(value) == stdlib(value)


@dataclasses.dataclass
class Pair:
    a: int


class Name(str):
    pass


@pytest.mark.parametrize("value", [
    {"money": Decimal("1.50")}, {"big": 2 ** 70}, {1: "int key"}, {"colour": Colour.RED}, {"pair": Pair(1)},
    {"at": datetime.datetime(2026, 12, 7, 3, 40)}, [Name("甲")], {"deep": [{"money": Decimal("-0")}]},
], ids=["decimal", "big-int", "int-key", "int-enum", "dataclass", "datetime", "str-subclass", "nested-decimal"])
def test_a_plain_body_holding_what_it_should_not_still_reads_back_as_the_standard_library_wrote_it(value: object) -> None:
    assert typed(plain_json(value)) == typed(stdlib(value))


def test_a_text_the_standard_library_could_not_store_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        stdlib("\ud800")
    with pytest.raises(UnicodeEncodeError):
        body_json({"lone surrogate": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        plain_json({"lone surrogate": "\ud800"})


def test_zlib_and_plain_bodies_of_an_older_database_read_back() -> None:
    text = json.dumps({"键": [HOSTILE, 1, 0.5, None]}, ensure_ascii=False)
    for level in (1, 3, 6, 9):  # the levels ever written (3 last), each with its own zlib header
        old = zlib.compress(text.encode(), level)
        assert unpack(old) == text and unpack_json(old) == json.loads(text)
    assert unpack(text) == text  # a column from before the compact store
    assert unpack(None) is None
    assert unpack(pack(text)) == text and unpack(pack(text.encode())) == text


def test_threads_pack_and_unpack_side_by_side() -> None:
    # The workbench serves requests on several threads: each has its own zstd compressor and decompressor.
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(300):
            text = f"{n}-{i}-" + HOSTILE * (i % 7 + 1)
            if unpack(pack(text)) != text:
                failures.append(text)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def rezlib(db: Path) -> int:
    """Every packed body of the database rewritten as the code before zstd wrote it (zlib level 3)."""
    columns = {"forms": ("form_json", "scorecard_json"), "critique_texts": ("body",), "point_texts": ("body",),
               "reviewed_files": ("result",)}
    rewritten = 0
    with sqlite3.connect(db) as conn:
        for table, names in columns.items():
            for rowid, *bodies in conn.execute(f"SELECT rowid, {', '.join(names)} FROM {table}").fetchall():
                assert all(body[:4] == ZSTD_MAGIC for body in bodies)
                olds = [zlib.compress(unpack(body).encode(), 3) for body in bodies]
                conn.execute(f"UPDATE {table} SET {', '.join(f'{n} = ?' for n in names)} WHERE rowid = ?",
                             [*olds, rowid])
                rewritten += len(bodies)
    return rewritten


def test_a_database_of_zlib_bodies_shows_and_re_reviews_the_same(db: Path, tmp_path: Path) -> None:
    form = write_form(tmp_path / "form.json", hostile_form())
    first = run_review(str(form), "--json", "--db", str(db))
    assert first.exit_code == 0
    shown = {command: run_review(*command.split(), "--db", str(db)).output
             for command in ("status", "report --format json", "report --format md")}
    assert rezlib(db) == 5  # form and scorecard JSON, critique texts, point texts, the JSON result
    for command, output in shown.items():
        assert run_review(*command.split(), "--db", str(db)).output == output
    again = run_review(str(form), "--json", "--db", str(db))  # the stored (zlib) result, printed as it was
    assert again.exit_code == 0 and again.output == first.output
    # A changed form next to the old one: its bodies are zstd, the old ones stay readable.
    data = hostile_form()
    data["indicators"][3]["actual"] = "31个"
    write_form(form, data)
    assert run_review(str(form), "--json", "--db", str(db)).exit_code == 0
    [current] = json.loads(run_review("report", "--format", "json", "--db", str(db)).output)
    assert current["form_id"] != json.loads(first.output)["form_id"] and HOSTILE in current["name"]


def test_a_points_signature_is_the_hash_older_versions_stored() -> None:
    # A decision stays with a point while its signature does (the comment and its evidence): a stored point's
    # signature, sha256 of the standard library's JSON of [comment, sorted codes, indicators], must come out alike
    # for any comment, escapes included.
    for comment in (HOSTILE, "“支持海外建设特色科技园区项目”年度指标值2个，实际完成值1个（-50.0%）。", ""):
        draft = PointDraft("I:0,11", 0, (0, 11), "pair", "第1、12项", "error", ("ROUNDING", "COST_TOTAL"), None,
                           False, ("39f383ca77e79a945807",), comment)
        evidence = json.dumps([comment, ["COST_TOTAL", "ROUNDING"], [0, 11]], ensure_ascii=False)
        assert draft.signature == hashlib.sha256(evidence.encode()).hexdigest()[:20]
        assert draft.columns[-1] == draft.signature


def line_as_before(review) -> bytes:
    """The JSON line after its file, as a batch's worker wrote it before result_bytes: the standard library's text,
    escaped for a terminal, encoded."""
    line = json_text(review_json(review))
    return json_safe(line[len(f'{{"file": {json_text(review.file)}, '):]).encode()


@pytest.fixture(scope="module")
def seed_review(tmp_path_factory):
    path = write_form(tmp_path_factory.mktemp("line") / "form.json", seed_form())
    [[item]] = list(review_batch([path], Config(), JudgeSettings(backend="rules"), keep_review=True))
    return item.review


@pytest.mark.parametrize("make", [seed_form, hostile_form], ids=["seed", "hostile"])
def test_a_batch_prints_and_stores_the_line_the_standard_library_wrote(tmp_path: Path, make) -> None:
    path = write_form(tmp_path / "form.json", make())
    [[item]] = list(review_batch([path], Config(), JudgeSettings(backend="rules"), known=lambda files: {},
                                 keep_review=True))
    assert item.encoded == line_as_before(item.review)
    assert item.line.encode().endswith(b", " + item.encoded)


# Each character json_safe escapes, and others a terminal or JSON treats apart: quotes, escapes, C0 (JSON escapes them),
# DEL, C1, bidi controls, separators isprintable() refuses, non-BMP, a lone surrogate (no UTF-8 for it).
ODD_TEXTS = [chr(c) for c in (*range(0x20), 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xad, 0x61c, 0x200b, 0x200e, 0x200f,
                              0x202a, 0x202e, 0x2028, 0x2029, 0x2066, 0x2069, 0xfeff, 0x1f600, 0x20000)] + [
    '"', "\\", '\\"', "</script>", "”“", "", "\ud800"]
ODD_NUMBERS = [None, 0, -0.0, 0.1, 1.0, 1e16, 1e-5, 123456789.125, float("nan"), float("inf"), -float("inf"), 2 ** 70,
               True, Decimal("1E+2"), Decimal("0.50"), Decimal("-0")]
ODD_FIGURES = [None, Decimal("0"), Decimal("-0"), Decimal("1E+2"), Decimal("0.50"), Decimal("1E+16"), Decimal("1E-7"),
               Decimal("123456789012345678901234567890"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 3, 2 ** 70]


def assert_same_line(review) -> None:
    try:
        before = line_as_before(review)
    except Exception as error:  # a lone surrogate, a figure of no type the line has: refused as before
        with pytest.raises(type(error)):
            result_bytes(review)
        return
    assert result_bytes(review) == before


def _put_form_name(review, text: str) -> None:
    review.form.__dict__["name"] = f"项目{text}名称"


def _put_row_name(review, text: str) -> None:
    review.card.indicators[0].indicator.__dict__["name"] = text
    object.__setattr__(review.card.indicators[0], "name", text)  # the row's own copy: what the line writes


def _put_direction(review, text: str) -> None:
    review.card.indicators[1].direction = text


def _put_finding_texts(review, text: str) -> None:
    finding = review.findings[-1]
    finding.message, finding.comment, finding.verdict = f"说明{text}", text, text


def _put_tags(review, text: str) -> None:
    review.findings[-1].source, review.findings[-1].tags = "judge:rules", (text, "generic")


def _put_judge(review, text: str) -> None:
    review.judge = {"backend": "rules", "model": text}


PLACES = [_put_form_name, _put_row_name, _put_direction, _put_finding_texts, _put_tags, _put_judge]


# Each place alone (a text another place held would send the whole line the standard library's way) and all at once.
@pytest.mark.parametrize("places", [[place] for place in PLACES] + [PLACES],
                         ids=[place.__name__[5:] for place in PLACES] + ["everywhere"])
@pytest.mark.parametrize("text", ODD_TEXTS, ids=[f"U+{ord(t[0]):04X}" if t else "empty" for t in ODD_TEXTS])
def test_the_line_is_written_as_the_standard_library_wrote_it_whatever_a_text_holds(seed_review, text: str,
                                                                                    places) -> None:
    review = copy.deepcopy(seed_review)
    for place in places:
        place(review, text)
    assert_same_line(review)


@pytest.mark.parametrize("value", ODD_NUMBERS, ids=[repr(v) for v in ODD_NUMBERS])
def test_the_line_writes_each_confidence_as_the_standard_library_did(seed_review, value: object) -> None:
    review = copy.deepcopy(seed_review)
    for finding in review.findings:
        finding.confidence = value
    assert_same_line(review)


@pytest.mark.parametrize("value", ODD_FIGURES, ids=[repr(v) for v in ODD_FIGURES])
def test_the_line_writes_each_figure_as_the_standard_library_did(seed_review, value: object) -> None:
    review = copy.deepcopy(seed_review)
    review.form.__dict__["total_score"] = value
    review.card.indicators[0].indicator.__dict__["score"] = value
    review.card.indicators[1].recomputed = value
    review.card.recomputed_total = value
    assert_same_line(review)


def test_a_value_of_another_type_is_written_by_the_standard_library(seed_review) -> None:
    review = copy.deepcopy(seed_review)
    review.findings[0].indicators = (True, 2)
    review.findings[1].indicators = [1, 2]
    review.findings[2].code = Name("ROUNDING")
    review.findings[3].verdict = Colour.RED
    review.judge = {"calls": 2 ** 70, "ratio": float("nan"), "cost": Decimal("0.5")}
    assert_same_line(review)


def test_figures_equal_in_value_are_written_as_each_is(seed_review) -> None:
    # The line remembers the figures it wrote: 2 and 2.0 (an int and a float in the line), 0.0 and -0.0 stay apart.
    review = copy.deepcopy(seed_review)
    rows = review.card.indicators
    figures = zip(["2", "2.0", "2.00", "-0", "0", "1E+1"], ["2", "2.0", "0", "-0", "1E+1", "10"])
    for row, (claimed, recomputed) in zip(rows, figures):
        row.indicator.__dict__["score"] = Decimal(claimed)
        row.recomputed = Decimal(recomputed)
    for number, finding in enumerate(review.findings):
        finding.confidence = (0.0, -0.0, 1.0, 1)[number % 4]
        finding.tags = (("generic",), ["generic"], ("generic", "no_cause"))[number % 3]
        finding.source = "judge:rules"
    assert_same_line(review)
    assert_same_line(review)


def test_a_review_the_judge_did_not_see_is_written_as_before(seed_review) -> None:
    review = copy.deepcopy(seed_review)
    review.judge = {}
    assert_same_line(review)
    assert json.loads(json_text(review_json(review)))["judge"]["calls"] == 0
