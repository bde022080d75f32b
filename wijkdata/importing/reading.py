"""From bytes to a grid of cells: CSV (any common separator and encoding), Excel, GeoJSON.

The format is recognised from the content, never from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import posixpath
import re
import zipfile
from array import array
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
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
    rows: list[list]  # cell texts (Excel numbers as int/float); empty where `grid` is set
    row_numbers: list[int] | np.ndarray  # the row number a person sees for row i
    # A CSV's cells, read column by column: one categorical column per column of the file
    # (a small integer per cell and each distinct text once), rows padded with "".
    grid: pd.DataFrame | None = None


@dataclass
class RawFile:
    kind: str  # "csv", "excel" or "geojson"
    sheets: list[Sheet] = field(default_factory=list)
    geojson: dict | None = None
    encoding: str = ""
    separator: str = ""
    ends_with_newline: bool = True
    ends_mid_row: bool = False
    row_lengths: list[int] | np.ndarray = field(default_factory=list)  # CSV: fields per row
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
    if not data or data.isspace():  # what data.strip() would leave empty, without a copy
        raise ImportRefused([Problem(_("Het bestand is leeg."))])
    if data.startswith(XLSX_MAGIC) or data.startswith(XLS_MAGIC):
        _refuse_other_documents(data)
        return _read_excel(data, sheet)
    if data.startswith(b"%PDF"):
        raise ImportRefused([Problem(_not_a_table(_("een PDF-bestand")))])
    codec, start, errors, encoding = _encoding_of(data)
    if codec == "utf-16" or _starts_with_brace(data, codec, start, errors):
        # UTF-16 (rare) and GeoJSON (parsed as a whole anyway) are decoded as a whole.
        text, encoding = _decode(data)
        if text.lstrip().startswith("{"):
            return _read_geojson(text)
        return _read_text(text, encoding, sheet)
    # 8-bit encodings and UTF-8: a NUL character is a NUL byte.
    if b"\x00" in data:
        raise ImportRefused([_binary_problem()])
    _refuse_sheet_of_csv(sheet)
    # Decoded as it is read, a block at a time; split on "\n" only, as before.
    buffer = io.BytesIO(data)  # shares the bytes, no copy
    buffer.seek(start)
    stream = io.TextIOWrapper(buffer, encoding=codec, errors=errors, newline="\n")
    head = _decoded_head(data, codec, start, errors)
    # The last character, where it matters (a line break or a separator, both ASCII): in
    # UTF-8 and the 8-bit encodings the last byte.
    return _read_csv(stream, encoding, head=head, last=data[-1:].decode("latin-1"))


def _read_text(text: str, encoding: str, sheet: str | None) -> RawFile:
    if "\x00" in text:
        raise ImportRefused([_binary_problem()])
    _refuse_sheet_of_csv(sheet)
    return _read_csv(_lines(text), encoding, head=_first_lines(text, 61), last=text[-1:])


def _binary_problem() -> Problem:
    return Problem(_("Dit is geen CSV-, Excel- of GeoJSON-bestand (het bevat binaire gegevens)."))


def _refuse_sheet_of_csv(sheet: str | None) -> None:
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


_CHUNK = 1 << 16


def _encoding_of(data: bytes) -> tuple[str, int, str, str]:
    """(codec, where the text starts, errors, label): what `_decode` would choose, found
    by decoding the bytes a chunk at a time, so that the whole text is never held (a file
    with one curly quote is two bytes a character as a Python str, with an emoji four)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8), "replace", "UTF-8 met BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0, "replace", "UTF-16"
    for codec, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252 (latin-1)")):
        if _decodes(data, codec):
            return codec, 0, "strict", label
    return "latin-1", 0, "strict", "latin-1"


def _decodes(data: bytes, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    view = memoryview(data)
    try:
        for at in range(0, len(data), _CHUNK):
            decoder.decode(view[at : at + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decoded_chunks(data: bytes, codec: str, start: int, errors: str):
    decoder = codecs.getincrementaldecoder(codec)(errors)
    view = memoryview(data)
    for at in range(start, len(data), _CHUNK):
        yield decoder.decode(view[at : at + _CHUNK])
    yield decoder.decode(b"", final=True)


def _starts_with_brace(data: bytes, codec: str, start: int, errors: str) -> bool:
    """text.lstrip().startswith("{") for the decoded text, decoding only its start."""
    if codec == "utf-16":
        return True  # decided on the whole text
    for chunk in _decoded_chunks(data, codec, start, errors):
        stripped = chunk.lstrip()
        if stripped:
            return stripped.startswith("{")
    return False


def _decoded_head(data: bytes, codec: str, start: int, errors: str, count: int = 61) -> list[str]:
    """The first `count` lines of the decoded text (as str.splitlines gives them), decoding
    a growing start of the bytes as `_first_lines` takes a growing start of the text."""
    size = 1 << 16
    while True:
        decoder = codecs.getincrementaldecoder(codec)(errors)
        end = start + size
        lines = decoder.decode(data[start:end], final=end >= len(data)).splitlines()
        if end >= len(data) or len(lines) > count:
            return lines[:count]
        size *= 4


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


def _sniff_separator(head: list[str]) -> str:
    lines = [line for line in head if line.strip()]
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


_ROWS_PER_CHUNK = 512


class _ColumnGrid:
    """A CSV's cells gathered column by column, a chunk of rows at a time: per column the
    codes of its cells (int32) and each distinct text once. The rows of a chunk are let go
    once coded, so the file never is a list of rows of Python strings."""

    def __init__(self):
        self.chunks: list[list[np.ndarray]] = []  # per column, its codes chunk by chunk
        self.texts: list[dict[str, int]] = []  # per column, text -> code
        self.rows = 0

    def add(self, rows: list[list[str]]) -> None:
        width = max(map(len, rows), default=0)
        while len(self.texts) < width:  # a column that earlier (shorter) rows lacked
            texts: dict[str, int] = {}
            chunks = []
            if self.rows:
                texts[""] = 0
                chunks.append(np.zeros(self.rows, dtype=np.int32))
            self.texts.append(texts)
            self.chunks.append(chunks)
        for j, column in enumerate(itertools.zip_longest(*rows, fillvalue="")):
            local, distinct = pd.factorize(np.array(column, dtype=object))
            texts = self.texts[j]
            mapping = np.fromiter(
                (texts.setdefault(t, len(texts)) for t in distinct),
                dtype=np.int32,
                count=len(distinct),
            )
            self.chunks[j].append(mapping[local])
        for j in range(width, len(self.texts)):  # columns these (shorter) rows lack
            empty = self.texts[j].setdefault("", len(self.texts[j]))
            self.chunks[j].append(np.full(len(rows), empty, dtype=np.int32))
        self.rows += len(rows)

    def frame(self) -> pd.DataFrame:
        columns = {}
        for j in range(len(self.texts)):
            codes = np.concatenate(self.chunks[j]) if self.chunks[j] else np.zeros(0, np.int32)
            self.chunks[j] = []
            categories = pd.Index(list(self.texts[j]), dtype=object)
            self.texts[j] = {}
            columns[j] = pd.Categorical.from_codes(
                codes, dtype=_categories_dtype(categories), validate=False
            )
        frame = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame()
        if columns:
            frame.columns = pd.RangeIndex(len(columns))
        return frame


def _categories_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """The dtype of a column whose texts are distinct already (a dict's keys). The public
    constructor checks that with a hash table of every text, which the categories would
    keep (a third of the grid's memory); pandas's own shortcut for known-distinct
    categories skips it, where this pandas has one."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fast is not None:
        return fast(categories, ordered=False)
    return pd.CategoricalDtype(categories, ordered=False)


def _read_csv(lines, encoding: str, *, head: list[str], last: str) -> RawFile:
    """The CSV's lines (`head`: its first ones, `last`: its last character) as columns."""
    separator = _sniff_separator(head)
    reader = csv.reader(lines, delimiter=separator, strict=True)
    grid = _ColumnGrid()
    chunk: list[list[str]] = []
    numbers = array("q")
    lengths = array("i")
    width = cells = 0
    try:
        for row in reader:
            size = len(row)
            if size > MAX_COLUMNS:
                raise ImportRefused([_too_many_columns(size, row=reader.line_num)])
            cells += size
            if cells > MAX_CELLS:
                raise ImportRefused([_too_many_cells()])
            width = max(width, size)
            chunk.append(row)
            numbers.append(reader.line_num)
            lengths.append(size)
            if len(chunk) >= _ROWS_PER_CHUNK:
                if width * len(lengths) > MAX_CELLS:  # padded to the widest row below
                    raise ImportRefused([_too_many_cells()])
                grid.add(chunk)
                chunk = []
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
    if width * len(lengths) > MAX_CELLS:  # the rows are padded to the widest one
        raise ImportRefused([_too_many_cells()])
    if chunk:
        grid.add(chunk)
        chunk = []
    raw = RawFile(kind="csv", encoding=encoding, separator=separator)
    raw.row_lengths = np.frombuffer(lengths, dtype=np.int32)
    raw.ends_with_newline = last in ("\n", "\r")
    # Ending on a separator without a line break: the writer stopped mid-row.
    raw.ends_mid_row = not raw.ends_with_newline and last == separator and len(lengths) > 1
    raw.sheets = [Sheet(None, [], np.frombuffer(numbers, dtype=np.int64), grid=grid.frame())]
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
