"""A feedback form goes to a department as it is: a matter's name that looks like a formula stays
text, and the form prints on A4 landscape, one page wide."""

import datetime as dt
import zipfile

import openpyxl

from dagster_project.defs.publish.completeness import _write_form

ATTACKS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def test_a_formula_typed_as_a_matter_name_stays_text(tmp_path):
    path = tmp_path / "form.xlsx"
    matters = [(i, f"M{i}", name, 0, "") for i, name in enumerate(ATTACKS, start=1)]
    _write_form(path, "市民政局", dt.date(2021, 6, 1), [], matters)

    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "hyperlink" not in sheet.lower()
    ws = openpyxl.load_workbook(path).active
    values = {c.value for row in ws.iter_rows() for c in row}
    assert set(ATTACKS) <= values
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    # one page wide: fitToWidth 1 is the default, which xlsxwriter leaves out
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
