"""The month's 通报 as `ywtb run` writes it: the .docx opened with python-docx, the HTML and the
Markdown, checked against the template and against the warehouse's figures computed here with SQL
from the fact tables, independently of the indicator mart the report reads."""

from __future__ import annotations

import csv
import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import docx
import duckdb
import pytest

from dagster_project.report.facts import gather
from schemas.report_template import ReportTemplateError, load_report_template
from schemas.rubric import load_rubric

pytestmark = pytest.mark.integration
JUNE = dt.date(2021, 6, 1)
TEMPLATE = load_report_template("dazhou")
RUBRIC = load_rubric("dazhou-2021")
DEPARTMENTS = (
    "(select org_code from reference.ref_organisations where org_level in ('city_dept', 'county_dept'))"
)


@pytest.fixture(scope="module")
def exports(built) -> Path:
    return built[1].parent / "out" / "2021-06"


@pytest.fixture(scope="module")
def document(exports):
    return docx.Document(exports / "report.docx")


@pytest.fixture(scope="module")
def text(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


@pytest.fixture(scope="module")
def city(built) -> dict[str, float]:
    """June's 全市 figures, from the fact tables (departments of the city and of the counties)."""
    with duckdb.connect(built[1], read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchall()[0]  # noqa: E731
        applied, accepted, finished = one(
            f"""select count(*) filter (where date_trunc('month', applied_at) = '2021-06-01'),
                       count(*) filter (where date_trunc('month', accepted_at) = '2021-06-01'),
                       count(*) filter (where date_trunc('month', finished_at) = '2021-06-01')
                from marts.fct_case_states where month = '2021-06-01' and dept_code in {DEPARTMENTS}"""
        )
        active, bad = one(
            f"""select count(*) filter (where is_active), count(*) filter (where is_counted_bad)
                from marts.fct_evaluations where month = '2021-06-01' and dept_code in {DEPARTMENTS}"""
        )
        full_online, instant = one(
            f"""select avg((online_depth = 4)::int), avg(is_instant::int) from marts.fct_matter_snapshots
                where month = '2021-06-01' and status = 'active' and is_on_application
                  and dept_code in {DEPARTMENTS}"""
        )
        (projects,) = one(
            """select count(*) from marts.fct_projects
               where month = '2021-06-01' and date_trunc('month', accepted_at) = '2021-06-01'"""
        )
    return {
        "申请办件": applied,
        "受理办件": accepted,
        "办结办件": finished,
        "主动评价": active,
        "差评": bad,
        "全程网办率": full_online,
        "即办事项占比": instant,
        "受理项目": projects,
    }


def test_writing_the_report_again_gives_the_same_bytes(built, exports, tmp_path):
    """A rerun changes nothing: the .docx carries no time of writing (zip entries included)."""
    import time

    from dagster_project.defs.publish.report import write_report

    time.sleep(2)  # zip entries are dated to the even second: a stamped save would differ now
    with duckdb.connect(built[1], read_only=True) as con:
        written = write_report(con, JUNE, tmp_path)
    for path in written:
        assert path.read_bytes() == (exports / path.name).read_bytes(), path.name


def test_the_docx_has_the_masthead_issue_number_and_title_of_a_formal_notice(document, text):
    assert text[0] == TEMPLATE.masthead
    masthead = next(p for p in document.paragraphs if p.text == TEMPLATE.masthead)
    assert all(str(r.font.color.rgb) == "D40000" for r in masthead.runs)
    assert masthead.runs[0].font.size.pt >= 22
    assert text[1] == "第6期"
    number = next(p for p in document.paragraphs if p.text == "第6期")
    assert 'w:color="D40000"' in number._p.xml  # the red rule under the 版头
    assert (
        text[2] == "关于2021年1—6月全市一体化\n政务服务平台运行情况的通报"
    )  # turned where the template says
    assert text[3] == TEMPLATE.addressees
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.top_margin.mm)) == (28, 37)
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml


def test_the_body_has_the_four_sections_in_order_then_the_annexes_signature_and_imprint(document, text):
    headings = ["一、总体情况", "二、得分情况", "三、存在的问题", "四、下步工作要求"]
    assert [t for t in text if t in headings] == headings
    first = text.index("附件：1．市级部门（A组）一网通办工作情况")
    annexes = [re.sub(r"^附件\s*\d+\s*", "", a.title) for a in RUBRIC.annexes.values()] + ["问题整改台账"]
    assert text[first : first + len(annexes)] == [
        ("附件：" if n == 1 else "") + f"{n}．{title}" for n, title in enumerate(annexes, start=1)
    ]
    assert text[first + len(annexes) : first + len(annexes) + 2] == [TEMPLATE.issuer, "2021年7月10日"]
    assert text[-2] == f"抄送：{TEMPLATE.copied_to}"
    assert text[-1] == f"{TEMPLATE.printed_by}\t2021年7月10日印发"
    requirements = text[text.index("四、下步工作要求") + 1 : first]
    assert requirements == [
        f"（{'一二三四'[n]}）{r.lead}{r.text}" for n, r in enumerate(TEMPLATE.requirements)
    ]


def test_the_city_figures_equal_the_warehouse(text, city):
    overview = " ".join(text[text.index("一、总体情况") : text.index("二、得分情况")])
    for label, value in city.items():
        shown = f"{value * 100:.2f}%" if isinstance(value, float) else f"{value}"
        assert f"{label}{shown}" in overview, label


def test_the_scores_name_the_first_and_last_two_of_each_group_as_the_annexes_rank_them(text, exports, built):
    with duckdb.connect(built[1].with_name("published.duckdb"), read_only=True) as con:
        ranked = {
            name
            for (name,) in con.execute(
                "select org_name from scorecard.annex1 where month = '2021-06-01' and is_ranked"
            ).fetchall()
        }
    # The annex lists the organisations without data (未报送) after the ranked ones: not named here.
    annex1 = [
        r for r in csv.DictReader((exports / "annex1.csv").open(encoding="utf-8")) if r["部门"] in ranked
    ]
    assert len(annex1) >= 4
    named = lambda rows: "、".join(f"{r['部门']}（{r['综合得分']}分）" for r in rows)  # noqa: E731
    sentence = f"排名前2位的是{named(annex1[:2])}；排名后2位的是{named(annex1[-2:])}。"
    (group_a,) = [t for t in text if t.startswith("（一）市级部门A组。")]
    assert sentence in group_a
    order = [t for t in text if re.match(r"（[一二三]）(市级部门A组|市级部门B组|县（市、区）)。", t)]
    assert [t.split("。")[0][3:] for t in order] == ["市级部门A组", "市级部门B组", "县（市、区）"]


def test_the_problems_are_a_short_selection_grouped_by_topic(text):
    problems = text[text.index("三、存在的问题") + 1 : text.index("四、下步工作要求")]
    assert all(re.match(r"（[一二三四五六七八九十]）\S+?方面。", t) for t in problems)
    by_category = [t for t in problems if "数据报送方面。" not in t]
    assert 1 <= len(by_category) <= TEMPLATE.problems.topics
    for paragraph in by_category:
        points = [int(n) for n in re.findall(r"(?:方面。|。)(\d+)\.", paragraph)]
        assert points == list(range(1, len(points) + 1)) and len(points) <= TEMPLATE.problems.items_per_topic


def test_the_docx_holds_every_chart_as_a_picture_and_the_html_draws_the_same_charts(document, exports):
    html = (exports / "report.html").read_text(encoding="utf-8")
    pictures = document.inline_shapes
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(pictures) == len(svgs) >= 6
    for svg in svgs:
        ET.fromstring(svg)  # well-formed, so a browser draws it
        assert "width=" not in svg.split(">", 1)[0]  # scales to the page: no scroll box
    assert "<script" not in html and "overflow" not in html
    assert "break-inside: avoid" in html and "@page { size: A4" in html


def test_the_three_renderings_say_the_same_sentences(text, exports):
    html = (exports / "report.html").read_text(encoding="utf-8")
    md = (exports / "report.md").read_text(encoding="utf-8")
    body = text[text.index("一、总体情况") : text.index("四、下步工作要求")]
    for sentence in body:
        assert sentence in md, sentence
        assert sentence.replace("“", "&ldquo;") in html or sentence in re.sub(r"<[^>]+>", "", html), sentence


def test_a_template_figure_the_warehouse_lacks_is_refused_naming_the_entry(built):
    topic = TEMPLATE.overview[0]
    wrong = topic.model_copy(
        update={"figures": (topic.figures[0].model_copy(update={"indicator": "applyed_cases"}),)}
    )
    template = TEMPLATE.model_copy(update={"overview": (wrong,)})
    refused = pytest.raises(ReportTemplateError, match=r"overview\[0\]\.figures\[0\].*'applyed_cases'")
    with duckdb.connect(built[1], read_only=True) as con, refused:
        gather(con, RUBRIC, template, JUNE)
