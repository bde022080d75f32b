"""From bytes to a grid of cells: CSV (any common separator and encoding), Excel, GeoJSON.

The format is recognised from the content, never from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .numbers import cell_text
from .problems import ImportRefused, Problem

SEPARATORS = [";", ",", "\t", "|"]
SEPARATOR_NAMES = {";": "puntkomma", ",": "komma", "\t": "tab", "|": "verticale streep"}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


def _sniff_separator(text: str) -> str:
    lines = [line for line in text.splitlines()[:61] if line.strip()]
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
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            rows.append(row)
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
        # A small zip can unpack to gigabytes; refuse before parsing it.
        if unpacked > 20 * max_bytes():
            raise ImportRefused(
                [
                    Problem(
                        _(
                            "Het Excel-bestand is uitgepakt %(size)s; dat is te groot om in te lezen."
                        )
                        % {"size": format_megabytes(unpacked)}
                    )
                ]
            )
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
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
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
