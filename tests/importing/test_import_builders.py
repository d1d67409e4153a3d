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
