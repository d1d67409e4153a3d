"""Documents for the import tests, built at test time from form dicts.

Layouts: the national/Beijing template and the Sichuan layout (domain-rules
§1.3) as cell grids; each grid becomes an .xlsx (merged cells) or a PDF
with a ruled table (reportlab, built-in CID font STSong-Light, so no font
files). `form_text` writes a form the way PDF text extraction lays it out.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from pathlib import Path

from formkit import SEED, SEED_TEXT  # noqa: F401  SEED_TEXT: the import tests take it from here



def zgc() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def sichuan() -> dict:
    """A Sichuan 2023 form (synthetic figures that add up)."""
    rows = [
        ("产出指标", "数量指标", "新建产业道路", "≥", "5", "公里", "5", 20, 20, ""),
        ("产出指标", "数量指标", "改造灌溉渠", "≥", "3", "公里", "2.5", 20, 16.67, "受汛期影响，部分渠段延至次年施工"),
        ("产出指标", "质量指标", "工程验收合格率", "=", "100", "%", "100", 10, 10, ""),
        ("产出指标", "时效指标", "项目完成及时率", "≥", "95", "%", "96", 10, 10, ""),
        ("效益指标", "经济效益指标", "带动农户增收", "≥", "500", "元/户", "520", 15, 15, ""),
        ("效益指标", "社会效益指标", "受益农户", "≥", "300", "户", "310", 5, 5, ""),
        ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥", "90", "%", "93", 10, 10, ""),
    ]
    return {
        "name": "2023年乡村振兴衔接资金项目", "year": 2023, "department": "青神县农业农村局",
        "unit": "青神县农村经济经营管理站",
        "funds": {"total": ("120", "120", "108.6"), "fiscal": ("100", "100", "90"), "单位资金": ("20", "20", "18.6"),
                  "execution_rate": "90.5%", "weight": 10, "score": 9.05},
        "goal": {"planned": "新建产业道路5公里，改造灌溉渠3公里，带动300户农户增收。",
                 "actual": "建成产业道路5公里，改造灌溉渠2.5公里，310户农户受益。"},
        "rows": rows, "total_score": 95.72,
        "notes": {"评价结论": "项目总体完成较好。", "存在问题": "暂无", "改进措施": "暂无"},
    }


# --- grids -------------------------------------------------------------------

def beijing_grid(form: dict) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """Rows of 9 columns and the merged ranges (row0, col0, row1, col1), national template."""
    rows: list[list] = []
    merges: list[tuple[int, int, int, int]] = []

    def add(cells: list, *spans: tuple[int, int]) -> None:
        rows.append(cells + [""] * (9 - len(cells)))
        for c0, c1 in spans:
            merges.append((len(rows) - 1, c0, len(rows) - 1, c1))

    add(["项目支出绩效自评表"], (0, 8))
    add([f"（{form['year']}年度）"], (0, 8))
    add(["项目名称", form["name"]], (1, 8))
    add(["主管部门", form["department"], "", "", "实施单位", form["unit"]], (1, 3), (5, 8))
    add(["项目负责人", form.get("lead", ""), "", "", "联系电话", form.get("phone", "")], (1, 3), (5, 8))
    funds = form["funds"]
    start = len(rows)
    add(["项目资金（万元）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    for label, key in (("年度资金总额", "total"), ("其中：当年财政拨款", "fiscal"), ("上年结转资金", "carryover"),
                       ("其他资金", "other")):
        row = funds.get(key) or {}
        amounts = [row.get("initial_budget") or "", row.get("annual_budget") or "", row.get("executed") or ""]
        tail = [funds["weight"], funds["execution_rate"], funds["score"]] if key == "total" else (
            ["-", funds["execution_rate"], "-"] if row else ["", "", ""])
        add(["", label, "", *amounts, *tail], (1, 2))
    merges.append((start, 0, len(rows) - 1, 0))
    add(["年度总体目标", "预期目标", "", "", "", "实际完成情况"], (1, 4), (5, 8))
    add(["", form["goal"]["planned"], "", "", "", form["goal"]["actual"]], (1, 4), (5, 8))
    merges.append((len(rows) - 2, 0, len(rows) - 1, 0))
    head = len(rows)
    add(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    for item in form["indicators"]:
        add(["", item["level1"], item["level2"], item["name"], item["target"], item["actual"], item["weight"],
             item["score"], item.get("explanation", "")])
    _merge_levels(rows, merges, head + 1, len(rows))
    merges.append((head, 0, len(rows) - 1, 0))
    add(["总分", "", "", "", "", "", 100, form["total_score"], ""], (0, 5))
    return rows, merges


def _merge_levels(rows: list[list], merges: list, first: int, end: int) -> None:
    """Merge runs of equal 一级 / 二级 cells vertically; the covered cells become blank."""
    for col in (1, 2):
        run = first
        for r in range(first + 1, end + 1):
            key = tuple(rows[r][1:col + 1]) if r < end else None
            if key != tuple(rows[run][1:col + 1]):
                if r - 1 > run:
                    merges.append((run, col, r - 1, col))
                run = r
    for r0, c0, r1, c1 in merges:
        if c0 == c1 and c0 in (1, 2) and r1 > r0:
            for r in range(r0 + 1, r1 + 1):
                rows[r][c0] = ""


def sichuan_grid(form: dict) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """Rows of 11 columns: 指标性质 / 指标值 / 度量单位 / 完成值 / 权重 (domain-rules §1.3)."""
    rows: list[list] = []
    merges: list[tuple[int, int, int, int]] = []

    def add(cells: list, *spans: tuple[int, int]) -> None:
        rows.append(cells + [""] * (11 - len(cells)))
        for c0, c1 in spans:
            merges.append((len(rows) - 1, c0, len(rows) - 1, c1))

    add(["部门预算项目支出绩效自评表"], (0, 10))
    add([f"（{form['year']}年度）"], (0, 10))
    add(["项目名称", form["name"]], (1, 10))
    add(["主管部门及代码", form["department"], "", "", "", "实施单位", form["unit"]], (1, 4), (6, 10))
    funds = form["funds"]
    start = len(rows)
    add(["预算执行情况（万元）（10分）", "", "", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分",
         "原因"], (1, 2), (9, 10))
    for label in ("总额", "财政资金", "财政专户管理资金", "单位资金"):
        key = {"总额": "total", "财政资金": "fiscal"}.get(label, label)
        amounts = list(funds.get(key) or ("", "", ""))
        tail = [funds["execution_rate"], funds["weight"], funds["score"], ""] if key == "total" else ["", "", "", ""]
        add(["", label, "", *amounts, *tail], (1, 2), (9, 10))
    merges.append((start, 0, len(rows) - 1, 0))
    add(["年度总体目标", "预期目标", "", "", "", "", "实际完成目标"], (1, 5), (6, 10))
    add(["", form["goal"]["planned"], "", "", "", "", form["goal"]["actual"]], (1, 5), (6, 10))
    merges.append((len(rows) - 2, 0, len(rows) - 1, 0))
    head = len(rows)
    add(["绩效指标（90分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
         "未完成原因分析"])
    for row in form["rows"]:
        add(["", *row])
    _merge_levels(rows, merges, head + 1, len(rows))
    merges.append((head, 0, len(rows) - 1, 0))
    add(["总分", "", "", "", "", "", "", "", 100, form["total_score"], ""], (0, 7))
    for label, text in form["notes"].items():
        add([label, text], (1, 10))
    return rows, merges


# --- files -------------------------------------------------------------------

def write_xlsx(path: Path, sheets: list[tuple[str, list[list], list]], formats: dict | None = None) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, merges in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_excel_value(v) for v in row])
        for r0, c0, r1, c1 in merges:
            if (r0, c0) != (r1, c1):
                sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for (r, c), fmt in (formats or {}).items():
            sheet.cell(row=r + 1, column=c + 1).number_format = fmt
    workbook.save(path)
    return path


def _excel_value(value):
    if isinstance(value, str) and value.replace(".", "", 1).isdigit() and not value.startswith("0"):
        return float(value) if "." in value else int(value)
    return value


def _covered(merges: list) -> set[tuple[int, int]]:
    """Cells a merge covers other than its origin."""
    return {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {
        (r0, c0) for r0, c0, _, _ in merges}


def _docx_table(document, rows: list[list], merges: list) -> None:  # noqa: ANN001 - a python-docx Document
    """A Word table of the grid, its merges written the way Word writes them: the origin cell spans the
    columns (w:gridSpan) and starts a vertical merge (w:vMerge restart) that the cells below continue."""
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    cells = table._cells  # one snapshot (table.cell() walks the whole table on every call)
    covered = _covered(merges)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) not in covered and value != "":
                cells[r * width + c].text = str(value)
    trs = table._tbl.tr_lst
    for r0, c0, r1, c1 in sorted(merges, key=lambda m: -m[1]):  # right to left: offsets stay put
        for r in range(r0, r1 + 1):
            tc = trs[r].tc_at_grid_offset(c0)
            for _ in range(c1 - c0):
                doomed = tc.getnext()
                doomed.getparent().remove(doomed)
            if c1 > c0:
                tc.grid_span = c1 - c0 + 1
            if r1 > r0:
                tc.vMerge = "restart" if r == r0 else "continue"


def _clip(merges: list, start: int, end: int, shift: int) -> list:
    """The merges of rows [start, end), moved by `shift`; a merge across the bounds is cut at them."""
    out = []
    for r0, c0, r1, c1 in merges:
        a, b = max(r0, start), min(r1, end - 1)
        if a <= b:
            out.append((a + shift, c0, b + shift, c1))
    return out


def write_docx(path: Path, forms: list[tuple[list[list], list]], *, titles_outside: bool = False,
               split_at: int | None = None) -> Path:
    """A Word document, one table per form (a page break between forms). `titles_outside`: the title
    and year rows as paragraphs above the table, as a unit types them; `split_at`: the table cut at
    that indicator row onto a second page, its header row repeated (a table running over pages)."""
    import docx

    document = docx.Document()
    for number, (rows, merges) in enumerate(forms):
        if number:
            document.add_page_break()
        if titles_outside:
            for row in rows[:2]:
                document.add_paragraph(str(row[0]))
            rows, merges = rows[2:], _clip(merges, 2, len(rows), -2)
        if split_at is None:
            _docx_table(document, rows, merges)
            continue
        head = next(i for i, row in enumerate(rows) if "三级指标" in row)
        cut = head + 1 + split_at
        _docx_table(document, rows[:cut], _clip(merges, 0, cut, 0))
        document.add_page_break()
        _docx_table(document, [rows[head]] + rows[cut:], _clip(merges, cut, len(rows), 1 - cut))
    document.save(path)
    return path


def write_html(path: Path, rows: list[list], merges: list) -> Path:
    """A web page of the form: title and year as paragraphs, the rest one table with rowspan / colspan.
    LibreOffice turns it into a Word 97 .doc for the conversion tests."""
    import html

    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
    covered = _covered(merges)
    out = ['<html><head><meta charset="utf-8"></head><body>',
           f"<p>{html.escape(str(rows[0][0]))}</p><p>{html.escape(str(rows[1][0]))}</p>", '<table border="1">']
    for r, row in enumerate(rows[2:], 2):
        cells = [f'<td rowspan="{spans.get((r, c), (1, 1))[0]}" colspan="{spans.get((r, c), (1, 1))[1]}">'
                 f"{html.escape(str(value))}</td>" for c, value in enumerate(row) if (r, c) not in covered]
        out.append("<tr>" + "".join(cells) + "</tr>")
    path.write_text("".join(out) + "</table></body></html>", encoding="utf-8")
    return path


def write_xls(path: Path, sheets: list[tuple[str, list[list], list]], formats: dict | None = None) -> Path:
    """An old binary .xls (xlwt): merges, numbers as numbers, number formats by (row, col)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}
    for title, rows, merges in sheets:
        sheet = book.add_sheet(title)
        for r0, c0, r1, c1 in merges:
            if (r0, c0) != (r1, c1):
                sheet.merge(r0, r1, c0, c1)
        covered = _covered(merges)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in covered or value == "":
                    continue
                fmt = (formats or {}).get((r, c))
                if fmt and fmt not in styles:
                    styles[fmt] = xlwt.easyxf(num_format_str=fmt)
                cell = _excel_value(value)
                sheet.write(r, c, cell, styles[fmt]) if fmt else sheet.write(r, c, cell)
    book.save(str(path))
    return path


def write_pdf(path: Path, *tables: tuple[list[list], list, list[float]]) -> Path:
    """A ruled-table PDF, one table (rows, merges, column widths) per form; long tables run over pages."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10, wordWrap="CJK")
    story = []
    for rows, merges, widths in tables:
        story += [_table(rows, merges, widths, style, Table, TableStyle), PageBreak()]
    document = SimpleDocTemplate(str(path), pagesize=landscape(A4), topMargin=30, bottomMargin=30)
    document.build(story[:-1])
    return path


def _table(rows, merges, widths, style, Table, TableStyle):  # noqa: ANN001, N803 - reportlab classes passed in
    from reportlab.platypus import Paragraph

    cells = [[Paragraph(str(v), style) if v != "" else "" for v in row] for row in rows]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    # reportlab cannot split a span across pages: long vertical runs stay unmerged (their
    # covered cells are blank either way, which is what pdfplumber reports for a merge).
    commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges if r1 - r0 <= 3]
    return Table(cells, colWidths=widths, style=TableStyle(commands), splitByRow=1)


def write_text_pdf(path: Path, text: str) -> Path:
    """A PDF of plain lines, no table rules: what a copied-text PDF looks like."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in text.splitlines():
        if not line.strip():
            continue
        if y < 40:
            page.showPage()
            y = 800
        page.setFont("STSong-Light", 9)
        page.drawString(30, y, line)
        y -= 13
    page.save()
    return path


# --- text as PDF extraction lays it out ----------------------------------------------

def _wrap(text: str, width: int) -> list[str]:
    """Wrap at `width` half-width units, the way a table cell wraps."""
    lines, line, used = [], "", 0
    for ch in str(text):
        w = 1 if unicodedata.east_asian_width(ch) in "NaH" else 2
        if used + w > width:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    return lines + ([line] if line else [])


def form_text(form: dict) -> str:
    """A form in the layout of text extracted from its PDF (cells wrapped, one after another)."""
    funds = form["funds"]
    out = ["项目支出绩效自评表", f"（{form['year']}年度）", f"项目名称 {form['name']}",
           f"主管部门 {form['department']} 实施单位 {form['unit']}",
           f"项目负责人 {form.get('lead', '')} 联系电话 {form.get('phone', '')}", "项目资金（万元）",
           "年初预算数 全年预算数 全年执行数 分值 执行率 得分"]
    for label, key in (("年度资金总额", "total"), ("其中:当年财政拨款", "fiscal"), ("上年结转资金", "carryover"),
                       ("其他资金", "other")):
        row = funds.get(key)
        if not row:
            out.append(label)
            continue
        tail = f"{funds['weight']} {funds['execution_rate']} {funds['score']}" if key == "total" else \
            f"- {funds['execution_rate']} -"
        out.append(f"{label} {row['initial_budget']} {row['annual_budget']} {row['executed']} {tail}")
    out += ["年", "度", "总", "体", "目", "标", "预期目标 实际完成情况"]
    out += _wrap(form["goal"]["planned"], 78) + _wrap(form["goal"]["actual"], 70)
    out += ["绩", "效", "指", "标", "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分", "偏差原因分析及改进", "措施"]
    level1 = level2 = None
    for item in form["indicators"]:
        if item["level1"] != level1:
            out += _wrap(item["level1"], 10)
        if (item["level1"], item["level2"]) != (level1, level2):
            out += _wrap(item["level2"], 10)
        level1, level2 = item["level1"], item["level2"]
        name, target, actual = (_wrap(item[k], w) for k, w in (("name", 20), ("target", 30), ("actual", 16)))
        numbers = f"{item['weight']} {item['score']}"
        if len(name) == len(target) == len(actual) == 1:
            out.append(f"{name[0]} {target[0]} {actual[0]} {numbers}")
        elif len(target) == len(actual) == 1:
            out += name + [f"{target[0]} {actual[0]} {numbers}"]
        else:
            out += name + target + actual + [numbers]
        if item.get("explanation"):
            out += _wrap(item["explanation"], 28)
    out.append(f"总分 100 {form['total_score']}")
    return "\n".join(out) + "\n"


def cost_level1(form: dict) -> dict:
    """The 财预〔2021〕101号 variant: 成本指标 is a first-level block with 经济成本指标."""
    form = copy.deepcopy(form)
    for item in form["indicators"]:
        if item["level2"] == "成本指标":
            item["level1"], item["level2"] = "成本指标", "经济成本指标"
    return form


BEIJING_WIDTHS = [40, 45, 45, 95, 110, 90, 30, 30, 95]
SICHUAN_WIDTHS = [60, 50, 60, 80, 40, 40, 40, 40, 30, 30, 90]


def beijing_pdf(path: Path, form: dict) -> Path:
    return write_pdf(path, (*beijing_grid(form), BEIJING_WIDTHS))


def sichuan_pdf(path: Path, form: dict) -> Path:
    return write_pdf(path, (*sichuan_grid(form), SICHUAN_WIDTHS))


def test_reportlab_cid_font_text_comes_back_through_pdfplumber(tmp_path):
    import pdfplumber

    path = write_text_pdf(tmp_path / "t.pdf", "项目支出绩效自评表\n（2021年度）")
    with pdfplumber.open(path) as pdf:
        assert "项目支出绩效自评表" in pdf.pages[0].extract_text()


def test_form_text_wraps_like_the_seed():
    text = form_text(zgc())
    assert "支持海外建设特色科技\n园区项目\n2个 2个 2 2" in text
