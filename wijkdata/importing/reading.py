"""From bytes to a grid of cells: CSV (any common separator and encoding), Excel, GeoJSON.

The format is recognised from the content, never from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .numbers import cell_text
from .problems import ImportRefused, Problem

SEPARATORS = [";", ",", "\t", "|"]
SEPARATOR_NAMES = {";": "puntkomma", ",": "komma", "\t": "tab", "|": "verticale streep"}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What a real statistics file has, with room to spare: CBS's Kerncijfers wijken en buurten
# has about 120 columns and 18,000 rows for all of the Netherlands, the GGD monitor 43
# columns and 17,000 rows. Beyond these a file is refused before it is read into memory
# (a sheet with only A1 and XFD1048576 would otherwise become a grid of 17 billion cells).
MAX_COLUMNS = 1000
MAX_CELLS = 6_000_000


@dataclass
class Sheet:
    name: str | None
    rows: list[list]  # cell texts (Excel numbers as int/float); CSV rows may differ in length
    row_numbers: list[int]  # the row number a person sees for rows[i]


@dataclass
class RawFile:
    kind: str  # "csv", "excel" or "geojson"
    sheets: list[Sheet] = field(default_factory=list)
    geojson: dict | None = None
    encoding: str = ""
    separator: str = ""
    ends_with_newline: bool = True
    ends_mid_row: bool = False
    row_lengths: list[int] = field(default_factory=list)  # CSV: fields per row as written
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.kind == "csv":
            return _("CSV, %(separator)s als scheidingsteken, %(encoding)s") % {
                "separator": SEPARATOR_NAMES.get(self.separator, self.separator),
                "encoding": self.encoding,
            }
        if self.kind == "excel":
            return _("Excel")
        return _("GeoJSON")


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 40 * 1024 * 1024))


def format_megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def unpacked_size(data: bytes | io.IOBase) -> int:
    """The size a file has once unpacked: an xlsx is a zip, judged on what it unpacks to.

    Reads only the zip's directory. Python's zip reader never yields more than the size
    the directory gives, so a lying directory cannot make the reading layer read more.
    """
    head = data[:4] if isinstance(data, bytes) else _peek(data, 4)
    if head != XLSX_MAGIC:
        return len(data) if isinstance(data, bytes) else _length(data)
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        with zipfile.ZipFile(source) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return len(data) if isinstance(data, bytes) else _length(data)
    finally:
        if not isinstance(data, bytes):
            data.seek(0)


def _peek(handle, size: int) -> bytes:
    handle.seek(0)
    head = handle.read(size)
    handle.seek(0)
    return head


def _length(handle) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def check_unpacked_size(data: bytes | io.IOBase) -> int:
    """Refuse an xlsx whose content is larger than the size limit once unpacked."""
    size = unpacked_size(data)
    limit = max_bytes()
    if size > limit:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Dit Excel-bestand is uitgepakt %(size)s; de grens is %(limit)s. Sla alleen "
                        "het werkblad met de cijfers op, of lever het aan als CSV."
                    )
                    % {"size": format_megabytes(size), "limit": format_megabytes(limit)}
                )
            ]
        )
    return size


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Dit bestand is %(size)s; de grens is %(limit)s. Splits het bestand (bijvoorbeeld "
                        "per gemeente) of laat het importeren door een beheerder."
                    )
                    % {"size": format_megabytes(size), "limit": format_megabytes(limit)}
                )
            ]
        )


def read_file(data: bytes, *, sheet: str | None = None) -> RawFile:
    check_size(len(data))
    if not data.strip():
        raise ImportRefused([Problem(_("Het bestand is leeg."))])
    if data.startswith(XLSX_MAGIC) or data.startswith(XLS_MAGIC):
        _refuse_other_documents(data)
        return _read_excel(data, sheet)
    if data.startswith(b"%PDF"):
        raise ImportRefused([Problem(_not_a_table(_("een PDF-bestand")))])
    text, encoding = _decode(data)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _read_geojson(text)
    if "\x00" in text:
        raise ImportRefused(
            [
                Problem(
                    _("Dit is geen CSV-, Excel- of GeoJSON-bestand (het bevat binaire gegevens).")
                )
            ]
        )
    if sheet:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Een werkblad (%(sheet)s) kan alleen bij een Excel-bestand; dit is een CSV-bestand."
                    )
                    % {"sheet": sheet}
                )
            ]
        )
    return _read_csv(text, encoding)


def _not_a_table(what: str) -> str:
    return _(
        "Dit is %(what)s, geen CSV- of Excel-bestand. Zet de tabel in Excel of sla hem op als "
        "CSV, en lees dat bestand in."
    ) % {"what": what}


# Word, PowerPoint and OpenDocument text share their container with Excel (a zip, or the
# old OLE compound file): recognised by what is inside, so that they are not called a
# damaged Excel file.
_OLE_STREAMS = {
    "WordDocument".encode("utf-16-le"): gettext_noop("een Word-bestand"),
    "PowerPoint Document".encode("utf-16-le"): gettext_noop("een PowerPoint-bestand"),
}
_ZIP_PARTS = {
    "word/": gettext_noop("een Word-bestand"),
    "ppt/": gettext_noop("een PowerPoint-bestand"),
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": gettext_noop("een tekstdocument (OpenDocument)"),
    b"application/vnd.oasis.opendocument.presentation": gettext_noop("een presentatie (OpenDocument)"),
}


def _refuse_other_documents(data: bytes) -> None:
    what = None
    if data.startswith(XLS_MAGIC):
        head = data[: 1024 * 1024]
        what = next((name for stream, name in _OLE_STREAMS.items() if stream in head), None)
    else:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, KeyError, OSError):
            return  # _read_excel says it is damaged
        if not any(n.startswith("xl/") for n in names):
            what = next(
                (label for part, label in _ZIP_PARTS.items() if any(n.startswith(part) for n in names)),
                None,
            ) or _ODF_TYPES.get(mimetype.strip())
    if what:
        raise ImportRefused([Problem(_not_a_table(_(what)))])


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8 met BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # Older exports (and Excel on Windows) write Windows-1252, a superset of latin-1.
    try:
        return data.decode("cp1252"), "Windows-1252 (latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _first_lines(text: str, count: int) -> list[str]:
    """text.splitlines()[:count], without splitting (and copying) the whole text."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        if size >= len(text) or len(lines) > count:
            return lines[:count]
        size *= 4


def _lines(text: str):
    """The text's lines, each with its "\n", as io.StringIO(text) yields them (it splits
    on "\n" only), one at a time: StringIO would hold a copy of four bytes a character."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start : stop + 1]
        start = stop + 1


def _sniff_separator(text: str) -> str:
    lines = [line for line in _first_lines(text, 61) if line.strip()]
    # The last line may be cut off (a truncated file); judge the separator without it.
    sample = "\n".join(lines[:-1] if len(lines) > 1 else lines)
    best, best_score = "", (0, 0)
    for separator in SEPARATORS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=separator, strict=True))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        score = (widths.count(modal), modal)
        if score > best_score:
            best, best_score = separator, score
    if not best:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Geen scheidingsteken gevonden: elke regel is één kolom. Gebruik een puntkomma, "
                        "komma of tab tussen de kolommen (of sla het bestand op als Excel)."
                    )
                )
            ]
        )
    return best


def _read_csv(text: str, encoding: str) -> RawFile:
    separator = _sniff_separator(text)
    reader = csv.reader(_lines(text), delimiter=separator, strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    memo: dict[str, str] = {}
    cells = 0
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise ImportRefused([_too_many_columns(len(row), row=reader.line_num)])
            cells += len(row)
            if cells > MAX_CELLS:
                raise ImportRefused([_too_many_cells()])
            # One str object per distinct cell text: statistics files repeat a small set
            # of texts ('.', '0', codes of the level, ...) many times over.
            rows.append(list(map(memo.setdefault, row, row)))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        line = reader.line_num
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Rij %(row)s: het bestand is hier onleesbaar (%(error)s). Is het afgekapt, of staat "
                        "er een los aanhalingsteken in een cel?"
                    )
                    % {"row": line, "error": exc},
                    row=line,
                )
            ]
        ) from None
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > MAX_CELLS:  # the rows are padded to the widest one below
        raise ImportRefused([_too_many_cells()])
    raw = RawFile(kind="csv", encoding=encoding, separator=separator)
    raw.row_lengths = [len(r) for r in rows]
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    raw.ends_with_newline = text.endswith(("\n", "\r"))
    # Ending on a separator without a line break: the writer stopped mid-row.
    raw.ends_mid_row = not raw.ends_with_newline and text.endswith(separator) and len(rows) > 1
    raw.sheets = [Sheet(None, rows, numbers)]
    return raw


def _read_excel(data: bytes, sheet: str | None) -> RawFile:
    from python_calamine import CalamineWorkbook

    if data.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise ImportRefused(
                [
                    Problem(
                        _(
                            "Het Excel-bestand is beschadigd of onvolledig (afgekapt?). Sla het opnieuw op "
                            "of download het opnieuw."
                        )
                    )
                ]
            ) from None
        del unpacked
        # A small zip can unpack to gigabytes, and a sparse sheet can span a grid of
        # billions of cells: both are refused before anything is parsed.
        check_unpacked_size(data)
        _check_sheet_extents(data, sheet)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Het Excel-bestand is beschadigd of onvolledig (afgekapt?). Sla het opnieuw op of "
                        "download het opnieuw."
                    )
                )
            ]
        ) from None
    names = list(workbook.sheet_names)
    if sheet and sheet not in names:
        raise ImportRefused(
            [
                Problem(
                    _("Werkblad '%(sheet)s' bestaat niet; dit bestand heeft: %(names)s.")
                    % {"sheet": sheet, "names": ", ".join(f"'{n}'" for n in names)}
                )
            ]
        )
    raw = RawFile(kind="excel")
    for name in [sheet] if sheet else names:
        try:
            loaded = workbook.get_sheet_by_name(name)
            # An old .xls has no directory to check beforehand; its grid is at most
            # 65,536 × 256, and is refused here before it becomes Python objects.
            _check_extent(name, rows=loaded.height, columns=loaded.width, cells=None)
            cells = loaded.to_python(skip_empty_area=False)
        except ImportRefused:
            raise
        except Exception:
            raise ImportRefused(
                [
                    Problem(
                        _("Werkblad '%(sheet)s' is beschadigd en kan niet worden gelezen.")
                        % {"sheet": name}
                    )
                ]
            ) from None
        # Numbers stay numbers (parse_numbers reads them as they are); the rest is text.
        # type() rather than isinstance: a bool is an int, but not a number here.
        plain = (str, int, float)
        rows = [[v if type(v) in plain else cell_text(v) for v in row] for row in cells]
        raw.sheets.append(Sheet(name, rows, list(range(1, len(rows) + 1))))
    return raw


def _read_geojson(text: str) -> RawFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Het GeoJSON-bestand is onleesbaar bij regel %(line)s (%(error)s). Is het afgekapt?"
                    )
                    % {"line": exc.lineno, "error": exc.msg},
                    row=exc.lineno,
                )
            ]
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportRefused(
            [
                Problem(
                    _("Dit JSON-bestand is geen GeoJSON FeatureCollection met wijken of buurten.")
                )
            ]
        )
    return RawFile(kind="geojson", geojson=document)


# --- limits ---------------------------------------------------------------------------------


def _too_many_columns(width: int, *, row: int | None = None, sheet: str | None = None) -> Problem:
    where = _("Werkblad '%(sheet)s'") % {"sheet": sheet} if sheet else _("Het bestand")
    return Problem(
        _(
            "%(where)s heeft %(width)s kolommen; er kunnen er hoogstens %(limit)s worden ingelezen "
            "(een bestand met kerncijfers van het CBS heeft er ongeveer 120). Laat kolommen weg "
            "die je niet nodig hebt."
        )
        % {"where": where, "width": _grouped(width), "limit": _grouped(MAX_COLUMNS)},
        row=row,
    )


def _too_many_cells(sheet: str | None = None, *, rows: int = 0, columns: int = 0) -> Problem:
    if sheet:
        return Problem(
            _(
                "Werkblad '%(sheet)s' loopt over %(rows)s rijen en %(columns)s kolommen; er kunnen "
                "hoogstens %(limit)s cellen worden ingelezen. Staat er ver buiten de tabel nog iets "
                "in een cel? Verwijder dat, of sla alleen de tabel op."
            )
            % {
                "sheet": sheet,
                "rows": _grouped(rows),
                "columns": _grouped(columns),
                "limit": _grouped(MAX_CELLS),
            }
        )
    return Problem(
        _(
            "Dit bestand heeft meer dan %(limit)s cellen; dat is meer dan een bestand met kerncijfers "
            "heeft. Splits het bestand (bijvoorbeeld per gemeente)."
        )
        % {"limit": _grouped(MAX_CELLS)}
    )


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _check_extent(sheet: str, *, rows: int, columns: int, cells: int | None) -> None:
    if columns > MAX_COLUMNS:
        raise ImportRefused([_too_many_columns(columns, sheet=sheet)])
    if rows * columns > MAX_CELLS or (cells is not None and cells > MAX_CELLS):
        raise ImportRefused([_too_many_cells(sheet, rows=rows, columns=columns)])


_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_ROW_REF = re.compile(rb"\br=\"(\d+)\"")
_CELL_REF = re.compile(rb"\br=\"([A-Za-z]{1,3})(\d+)\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (letter - 64)
    return number


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part in the zip (xl/worksheets/sheetN.xml)."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for match in re.finditer(r"<Relationship\b([^>]*)>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if "Id" in attrs and "Target" in attrs:
            target = attrs["Target"].lstrip("/")
            targets[attrs["Id"]] = (
                target if target.startswith("xl/") else posixpath.join("xl", target)
            )
    parts = {}
    for match in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)>", workbook):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', match.group(1)))
        rel = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if "name" in attrs and rel in targets:
            parts[attrs["name"]] = posixpath.normpath(targets[rel])
    return parts


def _check_sheet_extents(data: bytes, sheet: str | None) -> None:
    """Refuse a sheet whose cells span too many rows × columns, from its XML, streamed.

    The reader turns a sheet into a dense grid from A1 to its last cell, so the extent
    decides the memory, not the number of cells written. The `<dimension>` element can
    lie; the cells' own references are what the reader uses, so those are counted.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = _sheet_parts(archive)
        names = set(archive.namelist())
        if sheet and sheet in parts:
            chosen = {sheet: parts[sheet]}
        elif parts:
            chosen = parts
        else:
            chosen = {n: n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
        for name, part in chosen.items():
            if part not in names:
                continue
            with archive.open(part) as stream:
                rows, columns, cells = _scan_extent(stream)
            _check_extent(name, rows=rows, columns=columns, cells=cells)


_FAST_ROW = re.compile(rb'<row r="(\d+)"')


_CELL_OPEN = np.frombuffer(b'<c r="', dtype=np.uint8)
_MAX_DIGITS = 10  # a row number longer than this is out of range anyway


def _pair_positions(buffer: bytes, pair: bytes) -> np.ndarray:
    """Where a two-byte sequence starts in buffer: the bytes read as 16-bit numbers at
    both alignments and compared with it, a number at a time in C."""
    key = int.from_bytes(pair, "little")
    found = [np.array([], dtype=np.intp)]
    for offset in (0, 1):
        if len(buffer) - offset < 2:
            continue
        view = np.frombuffer(buffer, dtype="<u2", count=(len(buffer) - offset) // 2, offset=offset)
        found.append(np.flatnonzero(view == key) * 2 + offset)
    return np.concatenate(found)


def _fast_refs(buffer: bytes) -> tuple[int, int, int, int] | None:
    """(last row, last column, cells, cell tags) of the `<c r="B7"` tags in a chunk, or None
    if any of them is not of that form (1 to 3 capitals, digits, a quote): what the regular
    expression `<c r="([A-Z]{1,3})(\\d+)"` finds, computed with numpy on the bytes, so that
    no Python object is made per cell (a national sheet has 700,000). Cell tags counts
    every `<c ` and `<c>`: where it differs from cells, some tag is of another form."""
    data = np.frombuffer(buffer + b"\0" * 16, dtype=np.uint8)
    tags = _pair_positions(buffer, b"<c")  # also <col>, <cols>: told apart below
    after = data[tags + 2]
    written = int(((after == 32) | (after == 62)).sum())  # "<c " or "<c>"
    hit = after == 32
    for k in range(3, 6):
        hit &= data[tags + k] == _CELL_OPEN[k]
    start = tags[hit] + 6
    if not len(start):
        return 0, 0, 0, written

    def is_capital(values):
        return (values >= 65) & (values <= 90)

    first, second, third = data[start], data[start + 1], data[start + 2]
    if not is_capital(first).all():
        return None
    two = is_capital(second)
    three = two & is_capital(third)
    letters = 1 + two.astype(np.int64) + three.astype(np.int64)
    column = first.astype(np.int64) - 64
    column = np.where(two, column * 26 + second.astype(np.int64) - 64, column)
    column = np.where(three, column * 26 + third.astype(np.int64) - 64, column)
    at = start + letters
    number = np.zeros(len(start), dtype=np.int64)
    going = np.ones(len(start), dtype=bool)
    digits = np.zeros(len(start), dtype=np.int64)
    for k in range(_MAX_DIGITS + 1):
        digit = data[at + k].astype(np.int64) - 48
        is_digit = going & (digit >= 0) & (digit <= 9)
        number = np.where(is_digit, number * 10 + digit, number)
        digits += is_digit
        going = is_digit
    if going.any():  # more digits than any sheet has: the slow path says how many
        return None
    if not ((digits > 0) & (data[at + digits] == 34)).all():  # digits, then a quote
        return None
    return int(number.max()), int(column.max()), len(start), written


def _scan_extent(stream) -> tuple[int, int, int]:
    """Last row, last column and number of cells of a worksheet's XML, streamed.

    Excel, LibreOffice and openpyxl write `<c r="B7" …>` with the reference first; those
    chunks are scanned with numpy (`_fast_refs`). A chunk with any other cell tag is
    walked tag by tag, counting positions as the reader does for cells without `r`.
    """
    max_row = max_column = cells = 0
    row = column = 0
    tail = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        buffer = tail + chunk
        end = buffer.rfind(b">") + 1
        buffer, tail = buffer[:end], buffer[end:]
        rows = _FAST_ROW.findall(buffer)
        fast = _fast_refs(buffer)
        if fast is not None and fast[2] == fast[3] and buffer.count(b"<row") == len(rows):
            chunk_row, chunk_column, found, _written = fast
            if found:
                max_column = max(max_column, chunk_column)
                max_row = max(max_row, chunk_row)
                cells += found
            if rows:
                row = int(rows[-1])
                max_row = max(max_row, max(map(int, rows)))
            continue
        for match in _TAG.finditer(buffer):
            kind, attrs = match.group(1), match.group(2)
            if kind == b"row":
                ref = _ROW_REF.search(attrs)
                row = int(ref.group(1)) if ref else row + 1
                column = 0
                max_row = max(max_row, row)
            else:
                ref = _CELL_REF.search(attrs)
                if ref:
                    column = _column_number(ref.group(1))
                    max_row = max(max_row, int(ref.group(2)))
                else:
                    column += 1
                    max_row = max(max_row, row)
                cells += 1
                max_column = max(max_column, column)
        if len(tail) > (1 << 20):  # no tag ends in a megabyte: not a sheet we can read
            tail = tail[-1024:]
    return max_row, max_column, cells
