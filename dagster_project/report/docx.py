"""The 通报 as a .docx in the layout of GB/T 9704-2012: A4, a 156 × 225 mm text area, 3号仿宋 body on
a fixed 28.9 pt line (22 lines a page), 黑体 first-level and 楷体 second-level headings, a red 版头 over a red rule, the
附件说明 with a hanging indent, the signature and 成文日期 on the right, the 版记 between rules,
and 4号 page numbers in the form "— 1 —", on the right of odd pages and the left of even ones.

Fonts are named by their role with the names Chinese Windows and WPS ship (仿宋, 黑体, 楷体, 宋体;
方正小标宋简体 where the office has it). The font table gives each its family, character set and a
stand-in for readers that substitute by them; LibreOffice substitutes by its own rules (here: Noto
Sans CJK for all), which keeps the layout but not the faces.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from dagster_project.report.compose import (
    Chart,
    Notice,
    Table,
    annex_lines,
    chinese_date,
    masthead_size,
    width,
)
from dagster_project.report.facts import Facts

# role -> (the font offices have, its family for substitution)
FONTS = {
    "song": ("方正小标宋简体", "roman"),  # 版头 and title
    "fang": ("仿宋", "roman"),  # body
    "hei": ("黑体", "swiss"),  # 一、
    "kai": ("楷体", "roman"),  # （一）
    "number": ("宋体", "roman"),  # page numbers
}
# what a reader without the role's font may use instead, by family
STAND_INS = {"roman": "Noto Serif CJK SC", "swiss": "Noto Sans CJK SC"}
RED = RGBColor(0xD4, 0x00, 0x00)
BODY = Pt(16)  # 3号
LINE = Pt(28.9)  # 22 lines on the 225 mm text area (29 pt would leave room for 21)
CHAR = 16  # pt: one character of the body, the unit of indents
TEXT_WIDTH = Mm(156)


def font(run, role: str, size: Pt | None = None, bold: bool = False, colour: RGBColor | None = None):
    name, _ = FONTS[role]
    run.font.name = "Times New Roman"  # digits and Latin letters
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    return run


def paragraph(
    doc,
    text: str = "",
    role: str = "fang",
    *,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: float = 2,  # first-line indent in characters
    size: Pt = BODY,
    line: Pt | None = LINE,
    colour: RGBColor | None = None,
) -> DocxParagraph:
    p = doc.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.first_line_indent = Pt(CHAR * indent)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    if text:
        font(p.add_run(text), role, size, colour=colour)
    return p


# The order WordprocessingML requires of a paragraph's properties after its borders.
AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct")
AFTER_BORDERS += ("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd")
AFTER_BORDERS += ("w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:jc", "w:rPr")


def border(p: DocxParagraph, side: str, eighths: int, colour: str = "000000") -> None:
    """A rule above or below a paragraph, `eighths` of a point thick."""
    pPr = p._p.get_or_add_pPr()
    borders = pPr.find(qn("w:pBdr"))
    if borders is None:
        borders = pPr.insert_element_before(OxmlElement("w:pBdr"), *AFTER_BORDERS)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", "1"), ("color", colour)):
        edge.set(qn(f"w:{key}"), value)
    order = ("top", "left", "bottom", "right")
    later = [qn(f"w:{s}") for s in order[order.index(side) + 1 :]]
    following = next((e for e in borders if e.tag in later), None)
    if following is None:
        borders.append(edge)
    else:
        following.addprevious(edge)


def page_number(footer, align) -> None:
    """— 1 —: the PAGE field between two em dashes, 4号 半角 宋体, one character in from the edge."""
    p = footer.paragraphs[0]
    p.alignment = align
    side = "right_indent" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left_indent"
    setattr(p.paragraph_format, side, Pt(14))
    font(p.add_run("— "), "number", Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    font(p.add_run(" —"), "number", Pt(14))


def declare_language(doc) -> None:
    """Chinese text is tagged zh-CN, so a machine without the named fonts substitutes Chinese ones."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def declare_fonts(doc) -> None:
    """Each role's font in the font table: family, the GB2312 character set and a stand-in."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype == RT.FONT_TABLE)
    table = etree.fromstring(part.blob)
    for name, family in FONTS.values():
        entry = etree.SubElement(table, qn("w:font"))
        entry.set(qn("w:name"), name)
        for tag, value in (
            ("altName", STAND_INS[family]),
            ("charset", "86"),
            ("family", family),
            ("pitch", "variable"),
        ):
            etree.SubElement(entry, qn(f"w:{tag}")).set(qn("w:val"), value)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def setup(doc, notice: Notice, month: dt.date) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(21)
    doc.settings.odd_and_even_pages_header_footer = True
    page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.size = BODY
    normal.font.name = "Times New Roman"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONTS["fang"][0])
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    declare_language(doc)
    declare_fonts(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = notice.title, notice.issuer, notice.issuer
    stamp = dt.datetime.combine(month, dt.time())  # dated by the month it reports, not the run
    props.created = props.modified = stamp
    props.revision = 1


def table(doc, block: Table) -> None:
    """A table of the body: caption in 黑体 above it, 五号 仿宋 cells, the header row in 黑体 and
    repeated on every page, the first column left and the others centred, rows never split."""
    small = Pt(10.5)
    caption = paragraph(doc, block.caption, "hei", align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, size=Pt(14))
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    grid.style = doc.styles["Table Grid"]
    grid.autofit = False
    for i, width_mm in enumerate(block.widths):
        grid.columns[i].width = Mm(width_mm)
    for r, values in enumerate([block.header, *block.rows]):
        row = grid.rows[r]
        if r == 0:
            header = row._tr.get_or_add_trPr()
            header.append(OxmlElement("w:tblHeader"))
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for i, text in enumerate(values):
            cell = row.cells[i]
            cell.width = Mm(block.widths[i])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 and r > 0 else WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            p.paragraph_format.line_spacing = Pt(15)
            font(p.add_run(text), "hei" if r == 0 else "fang", small)
    paragraph(doc, line=Pt(12))  # a little air before the next paragraph


def write_docx(facts: Facts | None, notice: Notice, dated: dt.date | None = None) -> bytes:
    """`dated`: the day the document's dates are stamped with (default the report's month), so a
    rerun gives the same bytes."""
    from dagster_project.report import charts  # matplotlib: imported by the runs that draw, not by every run

    dated = dated or facts.month
    doc = Document()
    setup(doc, notice, dated)

    # 版头: 发文机关标志 in red, the 期号 under it, the red rule the width of the text
    paragraph(doc, line=None)  # the 版头 sits a little below the top margin
    head = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, line=None)
    font(head.add_run(notice.masthead), "song", Pt(masthead_size(notice.masthead)), colour=RED)
    paragraph(doc, line=None)
    number = paragraph(doc, notice.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0)
    border(number, "bottom", 18, "D40000")
    number.paragraph_format.space_after = Pt(24)

    # title and 主送机关
    title = paragraph(
        doc, notice.title, "song", align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, size=Pt(22), line=Pt(35)
    )
    title.paragraph_format.space_after = LINE
    if notice.addressees:
        paragraph(doc, notice.addressees, indent=0)
    paragraph(doc, notice.opening)

    # body
    for section in notice.sections:
        heading = paragraph(doc, section.heading, "hei")
        heading.paragraph_format.keep_with_next = True
        for block in section.blocks:
            if isinstance(block, Table):
                table(doc, block)
                continue
            if isinstance(block, Chart):
                image = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, line=None)
                image.paragraph_format.keep_with_next = True
                image.paragraph_format.space_before = Pt(6)
                png = charts.png(charts.draw(facts, block.key))
                image.add_run().add_picture(io.BytesIO(png), width=Mm(150))
                caption = paragraph(
                    doc, block.caption, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, size=Pt(12)
                )
                caption.paragraph_format.space_after = Pt(6)
                continue
            p = paragraph(doc)
            if block.lead:
                font(p.add_run(block.lead), "kai", BODY)
            font(p.add_run(block.text), "fang", BODY)

    # 附件说明: one blank line after the body, 附件：1．… with the titles aligned under each other
    paragraph(doc)
    for n, (lead, title, start) in enumerate(annex_lines(notice.annexes), start=1):
        p = paragraph(doc, indent=0)
        p.paragraph_format.left_indent = Pt(CHAR * start)
        p.paragraph_format.first_line_indent = Pt(-CHAR * width(lead))
        p.paragraph_format.keep_with_next = n < len(notice.annexes)  # the list stays on one page
        font(p.add_run(lead + title), "fang", BODY)

    # signature centred over the date; the date four characters in from the right
    date = chinese_date(notice.issued_on)
    paragraph(doc)
    paragraph(doc)
    signature = paragraph(doc, notice.signature, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
    signature.paragraph_format.right_indent = Pt(
        CHAR * max(0.0, 4 + (width(date) - width(notice.signature)) / 2)
    )
    signature.paragraph_format.keep_with_next = True
    issued = paragraph(doc, date, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
    issued.paragraph_format.right_indent = Pt(CHAR * 4)
    for note in notice.notes:
        paragraph(doc, f"（{note}）", size=Pt(14))

    # 版记: 抄送 and 印发 between rules, 4号仿宋, one character in from either side
    paragraph(doc)
    small = Pt(14)
    if notice.copied_to:
        cc = paragraph(doc, indent=0, size=small, line=Pt(24))
        cc.paragraph_format.left_indent = Pt(14 * 4)
        cc.paragraph_format.first_line_indent = Pt(-14 * 3)
        cc.paragraph_format.right_indent = Pt(14)
        font(cc.add_run(f"抄送：{notice.copied_to}"), "fang", small)
        border(cc, "top", 8)
        border(cc, "bottom", 4)
    printed = paragraph(doc, indent=0, size=small, line=Pt(24), align=WD_ALIGN_PARAGRAPH.LEFT)
    printed.paragraph_format.left_indent = Pt(14)
    printed.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
    font(printed.add_run(f"{notice.printed_by}\t{date}印发"), "fang", small)
    if not notice.copied_to:
        border(printed, "top", 8)
    border(printed, "bottom", 8)

    buffer = io.BytesIO()
    doc.save(buffer)
    return with_fixed_dates(buffer.getvalue(), dated)


def with_fixed_dates(package: bytes, month: dt.date) -> bytes:
    """The same document as the same bytes: python-docx stamps every zip entry with the time of the
    save, so a rerun would otherwise rewrite an unchanged 通报. Entries are dated by the month."""
    stamp = (month.year, month.month, 1, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(zipfile.ZipInfo(entry.filename, stamp), source.read(entry), zipfile.ZIP_DEFLATED)
    return out.getvalue()
