"""The sheet-size scan before an xlsx is read: the fast path (numpy on the bytes) gives the
same last row, last column and cell count as walking the tags one by one, and falls back to
that walk for any cell tag it does not recognise."""

import io

import pytest

from wijkdata.importing import reading

CASES = [
    # (worksheet XML, (last row, last column, cells))
    (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="XFD1048576"><v>1</v></c></row>', (1048576, 16384, 2)),
    (b'<row r="1"><c r="A1"><v>0</v></c><c r="AB7"/></row><row r="9"><c r="ZZ9"/></row>', (9, 702, 3)),
    (b'<row r="3"><c r="A3"/><c r="AAA3"/></row>', (3, 703, 2)),
    # A cell without its reference: the walk counts positions as the reader does.
    (b'<row r="1"><c r="A1"/><c t="s"><v>1</v></c><c r="C1"/></row>', (1, 3, 3)),
    (b'<row><c r="A1"/><c r="B1"/></row><row><c/></row>', (2, 2, 3)),
    # Lower case, four letters, a number longer than any sheet's: the walk decides.
    (b'<row r="1"><c r="a1"/></row>', (1, 1, 1)),
    (b'<row r="1"><c r="ABCD1"/></row>', (1, 1, 1)),
    (b'<row r="1"><c r="A12345678901234"/></row>', (12345678901234, 1, 1)),
    (b'<cols><col min="1" max="3"/></cols><row r="2"><c r="C2"/></row>', (2, 3, 1)),
    (b"", (0, 0, 0)),
    (b"<", (0, 0, 0)),
]


@pytest.mark.parametrize(("xml", "expected"), CASES)
def test_the_scan_finds_the_extent(xml, expected):
    sheet = b"<worksheet><sheetData>" + xml + b"</sheetData></worksheet>" if xml else xml
    assert reading._scan_extent(io.BytesIO(sheet)) == expected


def test_a_sheet_over_many_chunks_is_scanned_whole():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="AQ%d" t="s"><v>2</v></c></row>' % (i, i, i)
        for i in range(1, 60001)
    )
    sheet = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    assert len(sheet) > 3 << 20  # several chunks of a megabyte, tags cut at their edges
    assert reading._scan_extent(io.BytesIO(sheet)) == (60000, 43, 120000)
