"""The 通报 as a self-contained HTML page (inline CSS and SVG, no scripts, prints on A4 as the .docx
does) and as Markdown, both laid out from the same composed Notice."""

from __future__ import annotations

from html import escape

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

# The roles of a 公文's fonts, each with the fonts that stand in where the office's are missing.
SONG = "'方正小标宋简体','FZXiaoBiaoSong-B05S','STZhongsong','SimSun','Noto Serif CJK SC','Source Han Serif SC',serif"
FANG = "'仿宋_GB2312','FangSong','仿宋','STFangsong','Noto Serif CJK SC','Source Han Serif SC',serif"
HEI = "'黑体','SimHei','Microsoft YaHei','PingFang SC','Noto Sans CJK SC','Source Han Sans SC',sans-serif"
KAI = "'楷体_GB2312','KaiTi','楷体','STKaiti','Noto Serif CJK SC',serif"

CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {SONG}; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font: 14pt {SONG}; }} }}
body {{ font-family: {FANG}; font-size: 16pt; line-height: 28pt; color: #000; max-width: 156mm;
        margin: 2em auto; background: #fff; }}
.masthead {{ font-family: {SONG}; color: #d40000; text-align: center; font-size: 26pt; line-height: 1.3;
             text-indent: 0; white-space: nowrap; margin: 0 0 .6em; }}
.number {{ text-align: center; text-indent: 0; margin: 0; }}
hr.red {{ border: 0; border-top: 2px solid #d40000; margin: 4mm 0 10mm; }}
h1 {{ font-family: {SONG}; font-size: 22pt; line-height: 1.45; text-align: center; font-weight: normal;
      margin: 0 0 28pt; }}
h2 {{ font-family: {HEI}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em;
      break-after: avoid; page-break-after: avoid; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
p.addressees {{ text-indent: 0; }}
.lead {{ font-family: {KAI}; }}
figure {{ margin: 10pt 0; text-align: center; break-inside: avoid; page-break-inside: avoid; }}
figure svg {{ width: 100%; height: auto; display: block; }}
figcaption {{ font-size: 12pt; line-height: 18pt; }}
.annexes {{ margin-top: 28pt; }}
.annexes p {{ break-after: avoid; page-break-after: avoid; }}
.signature {{ margin-top: 56pt; text-align: right; padding-right: 2em; text-indent: 0; }}
.date {{ text-align: right; padding-right: 4em; text-indent: 0; }}
.note {{ font-size: 12pt; line-height: 18pt; color: #444; text-indent: 0; margin-top: 14pt; }}
.imprint {{ margin-top: 42pt; font-size: 14pt; line-height: 24pt; border-top: 1.5px solid #000;
            border-bottom: 1.5px solid #000; break-inside: avoid; page-break-inside: avoid; }}
.imprint p {{ text-indent: 0; padding: 0 1em; }}
.imprint .cc {{ border-bottom: 1px solid #000; padding-left: 4em; text-indent: -3em; }}
.imprint .printed {{ display: flex; justify-content: space-between; }}
@media print {{ body {{ margin: 0; max-width: none; }} }}
"""

# Only a document with tables carries their styles (the monthly 通报 has none).
TABLE_CSS = f"""
table {{ width: 100%; border-collapse: collapse; font-size: 10.5pt; line-height: 15pt; margin: 0 0 12pt; }}
caption {{ font-family: {HEI}; font-size: 14pt; line-height: 28pt; text-align: center; white-space: pre-wrap; }}
th {{ font-family: {HEI}; font-weight: normal; }}
th, td {{ border: 1px solid #000; padding: 2pt 3pt; text-align: center; }}
td:first-child {{ text-align: left; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
"""


def html_table(block: Table) -> str:
    cols = "".join(f'<col style="width:{w / sum(block.widths) * 100:.1f}%">' for w in block.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in block.rows)
    return (
        f"<table><caption>{escape(block.caption)}</caption><colgroup>{cols}</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def render_html(facts: Facts | None, notice: Notice) -> str:
    from dagster_project.report import charts  # matplotlib: imported by the runs that draw, not by every run

    title_lines = escape(notice.title).replace("\n", "<br>")  # turned where the template turns it
    one_line = escape(notice.title.replace("\n", ""))
    out = [
        f'<header><p class="masthead" style="font-size:{masthead_size(notice.masthead)}pt">'
        f"{escape(notice.masthead)}</p>",
        f'<p class="number">{escape(notice.number)}</p><hr class="red"></header>',
        f"<h1>{title_lines}</h1>",
    ]
    if notice.addressees:
        out.append(f'<p class="addressees">{escape(notice.addressees)}</p>')
    out.append(f"<p>{escape(notice.opening)}</p>")
    for section in notice.sections:
        out.append(f"<h2>{escape(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, Table):
                out.append(html_table(block))
            elif isinstance(block, Chart):
                figure = charts.svg(charts.draw(facts, block.key), block.caption)
                out.append(f"<figure>{figure}<figcaption>{escape(block.caption)}</figcaption></figure>")
            else:
                lead = f'<span class="lead">{escape(block.lead)}</span>' if block.lead else ""
                out.append(f"<p>{lead}{escape(block.text)}</p>")
    if notice.annexes:
        out.append('<div class="annexes">')
    for lead, title, start in annex_lines(notice.annexes):
        hang = f"padding-left:{start:g}em;text-indent:-{width(lead):g}em"
        out.append(f'<p style="{hang}">{escape(lead + title)}</p>')
    if notice.annexes:
        out.append("</div>")
    out.append(f'<p class="signature">{escape(notice.signature)}</p>')
    out.append(f'<p class="date">{chinese_date(notice.issued_on)}</p>')
    has_tables = any(isinstance(b, Table) for s in notice.sections for b in s.blocks)
    for note in notice.notes:
        out.append(f'<p class="note">（{escape(note)}）</p>')
    out.append('<footer class="imprint">')
    if notice.copied_to:
        out.append(f'<p class="cc">抄送：{escape(notice.copied_to)}</p>')
    out.append(
        f'<p class="printed"><span>{escape(notice.printed_by)}</span>'
        f"<span>{chinese_date(notice.issued_on)}印发</span></p></footer>"
    )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{one_line}</title>'
        f"<style>{CSS}{TABLE_CSS if has_tables else ''}</style></head><body>{''.join(out)}</body></html>\n"
    )


def render_markdown(notice: Notice) -> str:
    title = notice.title.replace("\n", "")
    out = [f"**{notice.masthead}**", "", notice.number, "", "---", "", f"# {title}", ""]
    if notice.addressees:
        out += [notice.addressees, ""]
    out += [notice.opening, ""]
    for section in notice.sections:
        out += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                out += [f"**{block.caption}**", "", "| " + " | ".join(block.header) + " |"]
                out += ["|" + "---|" * len(block.header)]
                out += ["| " + " | ".join(row) + " |" for row in block.rows] + [""]
            elif isinstance(block, Chart):
                out += [f"*图：{block.caption}（见 report.html、report.docx）*", ""]
            else:
                out += [f"{block.lead}{block.text}", ""]
    out.append("附件：")
    out += [f"{n}. {title}" for n, title in enumerate(notice.annexes, start=1)]
    out += ["", notice.signature, "", chinese_date(notice.issued_on), ""]
    out += [f"（{note}）" for note in notice.notes] + ([""] if notice.notes else [])
    out.append("---")
    if notice.copied_to:
        out += ["", f"抄送：{notice.copied_to}"]
    out += ["", f"{notice.printed_by}　　{chinese_date(notice.issued_on)}印发", ""]
    return "\n".join(out)
