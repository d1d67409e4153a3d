"""The 复核意见 of one form as a Word document, laid out as a 公文 (GB/T 9704-2012).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (the 156 × 225 mm 版心); title in
方正小标宋简体 二号; 收文单位 and body in 仿宋_GB2312 三号 at a fixed 28 pt line; 一、 headings in 黑体,
（一） headings in 楷体_GB2312; page numbers "— 1 —" in 宋体 四号. Offices without the GB2312 fonts get
the font each names as its alternative in the document's font table (仿宋, 楷体, 黑体, 华文中宋, 宋体),
which Word and LibreOffice use in its place.

Only decided points: accepted ones are the numbered 主要问题 (with the score change, its clause and
deduction, where there is one); rejected ones are left out. A form with pending points is written
only as a draft, marked 草稿 in the header of every page. No file path, no login name: the reviewer is
the one named (option or config), the 落款 the bureau of the config.
"""

from __future__ import annotations

import re
import threading
from copy import deepcopy
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from ..config import SignoffSettings
from ..form.values import format_decimal
from ..store import FUNDS_ROW, StoreError
from .report import chinese_date, point_text, score_text
from .rulebook import Rulebook
from .scores import percent
from .forms import FormReview
from .output import replacing, xml_text

TITLE_FONT, HEADING_FONT, KAI_FONT, BODY_FONT, NUMBER_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"
# The font table's alternative for each: what an office without the GB2312 fonts uses instead.
FALLBACKS = {TITLE_FONT: "华文中宋", HEADING_FONT: "SimHei", KAI_FONT: "楷体", BODY_FONT: "仿宋", NUMBER_FONT: "SimSun"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)  # 二号, 三号, 四号, 五号
LINE = Pt(28)
INDENT = Pt(32)  # two characters of 三号
RED = RGBColor(0xC0, 0x00, 0x00)
NUMERALS = "一二三四五六七八九十"
ATTACHMENT = "项目支出绩效自评复核评分表"


def _font(run, name: str, size: Pt, bold: bool = False, color: RGBColor | None = None) -> None:
    if run._element.rPr is not None:  # a run with properties of its own: set them one by one
        _set_font(run, name, size, bold, color)
        return
    # A copy of the properties made once per font: python-docx setting them element by element was half of
    # the time of a document (the attachment's table has a run per cell).
    run._element.insert(0, deepcopy(_run_properties(name, size, bold, color)))


def _set_font(run, name: str, size: Pt, bold: bool, color: RGBColor | None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), name)


@lru_cache(maxsize=64)
def _run_properties(name: str, size: Pt, bold: bool, color: RGBColor | None):
    from docx.text.run import Run

    scratch = Run(OxmlElement("w:r"), None)
    _set_font(scratch, name, size, bold, color)
    return scratch._element.rPr


_MINUS = re.compile(r"(?<![A-Za-z0-9])-(?=\d)")


def typeset(text: str) -> str:
    """A figure's minus as the minus sign (U+2212): Word and LibreOffice may break a line after a hyphen,
    leaving "（-" at the end of one line and "45.5%）" on the next. Characters XML cannot hold (control
    characters in a project's name) are dropped: python-docx would refuse the whole document."""
    return _MINUS.sub("\u2212", xml_text(text))


def _paragraph(container, text: str = "", font: str = BODY_FONT, size: Pt = SIZE_3, *, indent: bool = True,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, bold: bool = False, line: Pt = LINE, color: RGBColor | None = None,
               right: Pt | None = None):
    paragraph = container.add_paragraph()
    # A copy of the layout made once per kind of paragraph, as for a run's font.
    paragraph._element.insert(0, deepcopy(_paragraph_properties(align, line, indent, right)))
    if text:
        _font(paragraph.add_run(typeset(text)), font, size, bold, color)
    return paragraph


def _set_layout(paragraph, align, line: Pt, indent: bool, right: Pt | None) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = INDENT if indent else Pt(0)
    if right is not None:
        fmt.right_indent = right


@lru_cache(maxsize=64)
def _paragraph_properties(align, line: Pt, indent: bool, right: Pt | None):
    from docx.text.paragraph import Paragraph

    scratch = Paragraph(OxmlElement("w:p"), None)
    _set_layout(scratch, align, line, indent, right)
    return scratch._element.pPr


def _heading(document, number: int, text: str):
    return _paragraph(document, f"{NUMERALS[number - 1]}、{text}", HEADING_FONT)


def chinese_number(number: int) -> str:
    """一 … 十, 十一 … 九十九: how 公文 number their parts."""
    if number <= 10:
        return NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


def _subheading(paragraph, number: int, text: str) -> None:
    _font(paragraph.add_run(xml_text(f"（{chinese_number(number)}）{text}")), KAI_FONT, SIZE_3)


def _page_setup(document, draft: bool) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(footer.add_run("— "), NUMBER_FONT, SIZE_4)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    _font(footer.add_run(" —"), NUMBER_FONT, SIZE_4)
    if draft:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(header.add_run("草稿"), HEADING_FONT, SIZE_3, bold=True, color=RED)
        _font(header.add_run("（未经审定，不得印发）"), BODY_FONT, SIZE_5, color=RED)


def _declare_fonts(document) -> None:
    """Name each font's alternative in the font table (w:altName), with the GB2312 charset."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alternative in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alternative})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern" if name != TITLE_FONT else "roman"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed" if name != TITLE_FONT else "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _normal_style(document) -> None:
    style = document.styles["Normal"]
    style.font.name, style.font.size = BODY_FONT, SIZE_3
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def money(value) -> str:
    """An amount without the trailing zeros a form's export pads it with: 5000.000000 → 5000."""
    return format_decimal(value.normalize()) if value is not None else "—"


def _we(bureau: str) -> str:
    return "我局" if bureau.endswith("局") else "我厅" if bureau.endswith("厅") else "我们"


def _conclusion(review: FormReview) -> str:
    score, card = review.score, review.card
    claimed = "自评总分未填写" if score.claimed_total is None else f"自评得分{score_text(score.claimed_total)}分"
    text = (f"经复核，该项目绩效自评{review.judgement}。{claimed}，复核得分{score_text(score.review_total)}分，"
            f"复核等级为“{score.grade}”")
    if score.deviation is not None:
        text += f"，偏离度{percent(score.deviation)}（自评得分与复核得分之差占自评得分的比例）"
    text += "。"
    if score.difference and score.flagged:
        direction = "偏高" if score.difference > 0 else "偏低"
        text += (f"自评得分较复核得分{'高' if score.difference > 0 else '低'}{score_text(abs(score.difference))}分，"
                 f"自评结果明显{direction}。")
    if card.funds.rate_percent is not None:
        text += (f"项目全年预算数{money(card.funds.budget)}{card.form.funds.unit}，全年执行数"
                 f"{money(card.funds.executed)}{card.form.funds.unit}，预算执行率"
                 f"{score_text(card.funds.rate_percent)}%。")
    return text


HEADER = ("序号", "指标", "分值", "自评得分", "复核得分", "调整依据")
WIDTHS = (Mm(12), Mm(54), Mm(14), Mm(21), Mm(21), Mm(34))  # 156 mm: the 版心


def _fill(cells, values, bold: bool = False) -> None:
    for column, (cell, value, width) in enumerate(zip(cells, values, WIDTHS)):
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.alignment = (WD_ALIGN_PARAGRAPH.LEFT if column in (1, 5)
                                                else WD_ALIGN_PARAGRAPH.CENTER)
        _font(paragraph.add_run(xml_text(str(value))), HEADING_FONT if bold else BODY_FONT, SIZE_5)


@lru_cache(maxsize=1)
def _table_parts():
    """The attachment's table with its header row, an empty row and an empty 总分 row, laid out once by
    python-docx in a scratch document: setting each cell's width, alignment and font through python-docx
    was two thirds of the time of a document; a copy of a laid-out row takes a fraction of it."""
    scratch = Document()
    _page_setup(scratch, False)  # the table's width is the 版心's, as in the document
    table = scratch.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS):
        column.width = width
    _fill(table.rows[0].cells, HEADER, bold=True)
    rows = []
    for bold in (False, True):
        row = table.add_row()
        _fill(row.cells, [""] * len(HEADER), bold=bold)
        rows.append(row._element)
        table._element.remove(row._element)
    return table._element, rows[0], rows[1]


def _add_row(table, template, values) -> None:
    """A copy of a laid-out row with each cell's text set as python-docx's add_run sets it."""
    row = deepcopy(template)
    for run, value in zip(row.iter(qn("w:r")), values):
        _set_text(run, xml_text(str(value)))
    table.append(row)


def _set_text(run, text: str) -> None:
    """The text of a run with no text yet, as python-docx's run.text sets it (a tab or a line break as its
    own element), without its emptying of the run first (an XPath compiled for every call)."""
    if "\t" in text or "\n" in text or "\r" in text:
        run.text = text
    elif text:
        run.add_t(text)


def _attachment(document, review: FormReview) -> None:
    paragraph = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    _font(paragraph.add_run("附件"), HEADING_FONT, SIZE_3)
    _paragraph(document, ATTACHMENT, TITLE_FONT, SIZE_2, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(40))
    name = _paragraph(document, f"项目名称：{review.record.name}（{review.record.year}年度）", BODY_FONT, Pt(12),
                      indent=False, line=Pt(22))
    header, body, total = _table_parts()
    table = deepcopy(header)
    rows = review.score.rows
    for row in rows:
        number = "—" if row.row == FUNDS_ROW else str(row.row + 1)
        basis = row.clause.basis if row.clause and row.changed else ""
        _add_row(table, body, [number, row.name, format_decimal(row.weight), score_text(row.claimed),
                               score_text(row.score), basis])
    score = review.score
    _add_row(table, total, ["", "总分", format_decimal(sum(r.weight for r in rows)), score_text(score.claimed_total),
                            score_text(score.review_total), f"等级“{score.grade}”，偏离度{percent(score.deviation)}"])
    name._element.addnext(table)  # where add_table puts it: after the last paragraph


# write_docx's documents are one per kind, reused: only one form may be written into them at a time.
_WRITING = threading.Lock()


@lru_cache(maxsize=2)
def _blank(draft: bool) -> Document:
    """A document with the styles, the font table and the page set up, kept for the process: opening
    python-docx's template parses 400 KB of styles, a quarter of the time of a document (and a document
    dropped is a web of cycles only the collector frees)."""
    document = Document()
    _normal_style(document)
    _declare_fonts(document)
    _page_setup(document, draft)
    return document


def _emptied(draft: bool) -> Document:
    """The kept document with the last form's body taken out: what is left (the section's page set-up,
    header, footer, styles) is what a new document set up the same way holds."""
    document = _blank(draft)
    body = document.element.body
    section = body[-1]  # the sectPr: python-docx adds content before it
    # clear() frees what no Python object holds at once; remove() would move each paragraph's tree into
    # a document of its own first (4 ms a form).
    body.clear()
    body.append(section)
    return document


def _build(review: FormReview, settings: SignoffSettings, rulebook: Rulebook, draft: bool,
           reviewer: str | None, today: date) -> Document:
    """The form's 复核意见, written into the document kept for its kind: it holds this form until the
    next build, so a caller saves it first, holding _WRITING (as write_docx does)."""
    form = review.record
    pending = len(review.pending)
    bureau = settings.bureau or "（复核单位）"
    # A form with nothing left to decide is final, as its file name says, unless the 落款 is missing.
    draft = draft and (bool(pending) or not settings.bureau)
    document = _emptied(draft)
    title = f"关于{form.name}（{form.year}年度）绩效自评的复核意见"
    _paragraph(document, title, TITLE_FONT, SIZE_2, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36))
    _paragraph(document, indent=False)
    if draft and pending:
        _paragraph(document, f"（草稿：尚有{pending}个要点待审核，本稿仅列已采纳的问题，不得作为正式复核意见印发。）",
                   BODY_FONT, SIZE_3, indent=False, color=RED)
    _paragraph(document, f"{form.unit or form.department}：", indent=False)
    _paragraph(document, f"{settings.basis}，{_we(settings.bureau)}对你单位报送的《{form.name}》{form.year}年度项目支出"
                         "绩效自评表进行了复核。现将复核意见反馈如下。")
    _heading(document, 1, "总体结论")
    _paragraph(document, _conclusion(review))
    _heading(document, 2, "主要问题")
    accepted = review.issued
    if not accepted:
        _paragraph(document, "经复核，未发现需要整改的问题。")
    for number, point in enumerate(accepted, 1):
        paragraph = _paragraph(document)
        _subheading(paragraph, number, point.title + "。")
        _font(paragraph.add_run(typeset(point_text(review, point))), BODY_FONT, SIZE_3)
    deadline = today + timedelta(days=settings.deadline_days)
    # From the last heading to the date, each paragraph keeps with the next: the 落款 never stands on a page
    # of its own (GB/T 9704 wants body text above it).
    closing = [_heading(document, 3, "整改要求")]
    if accepted:
        closing.append(_paragraph(
            document, f"请你单位于{chinese_date(deadline)}前对上述问题逐项整改：补充偏差原因说明和佐证材料，"
                      f"按复核意见更正自评得分，下年度合理设置绩效指标值，并将整改情况书面报送{bureau}。"
                      "复核结果将作为下年度预算安排的重要参考。"))
    else:
        closing.append(_paragraph(document, "请你单位继续做好项目绩效管理工作。复核结果将作为下年度预算安排的重要参考。"))
    closing.append(_paragraph(document))
    closing.append(_paragraph(document, f"附件：{ATTACHMENT}"))
    closing += [_paragraph(document) for _ in range(3)]
    closing.append(_paragraph(document, bureau, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(32)))
    _paragraph(document, chinese_date(today), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(64))
    for paragraph in closing:
        paragraph.paragraph_format.keep_with_next = True
    _paragraph(document)
    contact = f"（复核人：{reviewer}" + (f"；联系电话：{settings.contact}" if settings.contact else "") + "）" if reviewer else ""
    if contact:
        _paragraph(document, contact)
    _attachment(document, review)
    _paragraph(document, f"注：调整依据为{rulebook.name}的条款；偏离度 =（自评得分 − 复核得分）÷ 自评得分。",
               BODY_FONT, SIZE_5, indent=False, line=Pt(20))
    properties = document.core_properties
    properties.author = properties.last_modified_by = settings.bureau or ""
    properties.title, properties.comments = xml_text(title), ""
    properties.subject, properties.keywords = "项目支出绩效自评复核意见", ("草稿" if draft else "")
    properties.category = "草稿" if draft else "复核意见"
    return document


def write_docx(review: FormReview, path: Path, settings: SignoffSettings, rulebook: Rulebook, draft: bool = False,
               reviewer: str | None = None, today: date | None = None) -> Path:
    """Write one form's 复核意见; StoreError when it has pending points and is not a draft, or when the
    bureau's name (the 落款) is not configured for a final document."""
    if review.pending and not draft:
        raise StoreError(f"「{review.record.name}」尚有 {len(review.pending)} 个要点待审核，"
                         "不能出具正式复核意见（可加 --draft 出草稿）")
    if not draft and not settings.bureau:
        raise StoreError("未配置复核单位名称（配置文件 [signoff] bureau），不能出具正式复核意见（可加 --draft 出草稿）")
    today = today or datetime.now(settings.tz).date()
    with _WRITING:
        document = _build(review, settings, rulebook, draft, reviewer or settings.reviewer or None, today)
        with replacing(path) as temp:
            document.save(str(temp))
    return path


__all__ = ["write_docx", "FALLBACKS"]
