"""Business logic shared by the commands, the views and the tasks of wijkdata."""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .importing import layouts, planning, reading, writing
from .importing.planning import ImportPlan
from .importing.problems import ImportRefused, Problem
from .models import Indicator, IndicatorValue, Neighbourhood
from .signals import figures_changed

Progress = Callable[[int, str], None]

logger = logging.getLogger(__name__)

EXPORT_COLUMNS = [
    "code",
    "name",
    "level",
    "year",
    "indicator",
    "indicator_name",
    "value",
    "missing_reason",
    "unit",
    "source",
]


@dataclass
class ImportResult:
    plan: ImportPlan
    applied: bool
    dry_run: bool
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict:
        return self.plan.counts()

    def summary_lines(self) -> list[str]:
        return planning.summary_lines(self.plan, applied=self.applied, dry_run=self.dry_run)


def _read_bytes(path: str | Path) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused(
            [
                Problem(
                    _("Bestand %(path)s kan niet worden geopend: %(error)s")
                    % {"path": path, "error": exc.strerror}
                )
            ]
        ) from None
    # Refuse a huge file before reading it into memory.
    reading.check_size(size)
    return path.read_bytes()


@dataclass(frozen=True)
class Scope:
    """The one municipality an import may write: its gemeente, wijken, buurten, own codes."""

    code: str  # GM + four digits
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.code

    def covers(self, code: str) -> bool:
        digits = self.code[2:]
        if code == self.code or code.startswith(self.code + "-"):
            return True
        return code[:2] in {"WK", "BU"} and code[2:6] == digits


MUNICIPALITY_CODE_RE = re.compile(r"GM\d{4}")


def scope_for(code: str, name: str = "") -> Scope:
    code = (code or "").strip().upper()
    if not MUNICIPALITY_CODE_RE.fullmatch(code):
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Er is geen geldige gemeentecode bekend (%(code)s); zonder gemeente "
                        "kan er niets worden ingelezen."
                    )
                    % {"code": code or "–"}
                )
            ]
        )
    return Scope(code=code, name=name)


def _restrict_to_scope(parsed: layouts.ParsedFile, scope: Scope) -> None:
    """Keep only the regions of the scope's municipality; refuse if none are left."""
    inside = parsed.regions["code"].map(scope.covers).astype(bool)
    outside = int((~inside).sum())
    if not inside.any():
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Dit bestand bevat geen gebieden van gemeente %(name)s (%(code)s). "
                        "U kunt alleen cijfers van uw eigen gemeente inlezen; er is niets "
                        "opgeslagen."
                    )
                    % {"name": scope.label, "code": scope.code}
                )
            ],
            notes=list(parsed.notes),
        )
    if not outside:
        return
    parsed.regions = parsed.regions[inside.to_numpy()].reset_index(drop=True)
    values_inside = parsed.values["code"].map(scope.covers).astype(bool).to_numpy()
    parsed.values = parsed.values[values_inside].reset_index(drop=True)
    parsed.boundaries = {
        key: geometry for key, geometry in parsed.boundaries.items() if scope.covers(key[0])
    }
    label = _("buiten gemeente %(name)s") % {"name": scope.label}
    parsed.skipped[label] = parsed.skipped.get(label, 0) + outside
    parsed.notes.append(
        _(
            "%(n)s regio's buiten gemeente %(name)s overgeslagen; alleen de cijfers van "
            "uw eigen gemeente worden ingelezen."
        )
        % {"n": outside, "name": scope.label}
    )


def indicators_import(
    *,
    data: bytes | None = None,
    path: str | Path | None = None,
    file_name: str = "",
    year: int | None = None,
    sheet: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    scope: Scope | None = None,
    kinds: dict[str, str] | None = None,
    owner=None,
) -> ImportResult:
    """Read, check, compare and (unless dry_run) write one file, all or nothing.

    `owner` (an Organisation or its id) makes the figures that organisation's own: they
    are compared with and written next to its earlier figures, never over public ones or
    another organisation's. Without an owner the figures are public (staff, the command).

    With a scope only the regions of that municipality are written; the others are skipped
    (and counted in a note), and a file without any of them is refused.
    Raises ImportRefused with every problem found; in that case nothing was written.
    """
    report = progress or (lambda percent, message: None)
    owner_id = getattr(owner, "pk", owner)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if data is None:
        if path is None:
            raise ValueError("indicators_import needs data or path")
        data = _read_bytes(path)
        file_name = file_name or Path(path).name
    report(2, _("bestand lezen"))
    raw = reading.read_file(data, sheet=sheet or None)
    data = None  # the cells hold the file from here on (bounds peak memory)
    options = layouts.Options(
        year=year, sheet=sheet or None, source=source, file_name=file_name, kinds=kinds or {}
    )
    parsed = layouts.parse_file(raw, options)
    # The bytes and the grid of cells are not needed past parsing: let them go before
    # planning and writing, which hold their own compact copies (bounds peak memory).
    data = raw = None
    if scope is not None:
        _restrict_to_scope(parsed, scope)
    _check_indicator_count(parsed, owner_id)
    timings["parse"] = time.perf_counter() - started
    chosen_source = (source or "").strip() or parsed.source
    if not chosen_source:
        # Never a guess from the layout (that labelled RIVM and Leefbarometer figures "CBS"):
        # the file's name stands in, and the preview asks for the real source.
        chosen_source = (
            _("bestand %(name)s") % {"name": file_name} if file_name else _("onbekende bron")
        )
        parsed.notes.append(
            _(
                "Het bestand noemt zijn bron niet; bij elk cijfer komt '%(source)s' te staan. "
                "Geef de bron op (bijvoorbeeld 'RIVM, Leefbarometer 2022') als dat beter is."
            )
            % {"source": chosen_source}
        )
    chosen_source = chosen_source[:200]
    report(15, _("vergelijken met de database"))
    if dry_run:
        plan = planning.build_plan(
            parsed, source=chosen_source, compare_source=bool(source), owner_id=owner_id
        )
        timings["plan"] = time.perf_counter() - started - timings["parse"]
        return ImportResult(plan=plan, applied=False, dry_run=True, timings=timings)
    with transaction.atomic():
        # Planned inside the transaction, so what is written is what was compared.
        plan = planning.build_plan(
            parsed, source=chosen_source, compare_source=bool(source), owner_id=owner_id
        )
        timings["plan"] = time.perf_counter() - started - timings["parse"]
        applied = plan.has_changes
        if applied:
            writing.apply_plan(plan, progress=lambda p, m: report(20 + p * 78 // 100, m))
            figures_changed.send(
                sender=indicators_import,
                neighbourhood_ids=[int(i) for i in plan.regions["id"].dropna()],
                indicator_ids=[int(i) for i in plan.indicator_ids.values() if i is not None],
                owner_id=owner_id,
            )
    timings["total"] = time.perf_counter() - started
    report(100, _("klaar"))
    return ImportResult(plan=plan, applied=applied, dry_run=False, timings=timings)


# Indicators are shared by every organisation: one file must not flood the catalogue.
# A CBS Kerncijfers file brings about 110 indicators, the GGD monitor about 40.
MAX_NEW_INDICATORS = 300


def _check_indicator_count(parsed, owner_id: int | None = None) -> None:
    from .selectors import visible_indicators

    codes = [d.code for d in parsed.indicators]
    if len(codes) <= MAX_NEW_INDICATORS:
        return
    known = set(
        visible_indicators(owner_id, Indicator.objects.filter(code__in=codes)).values_list(
            "code", flat=True
        )
    )
    new = len(set(codes) - known)
    if new > MAX_NEW_INDICATORS:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "Dit bestand brengt %(new)s nieuwe indicatoren; er kunnen er per bestand "
                        "hoogstens %(limit)s bij komen (een bestand met kerncijfers van het CBS "
                        "heeft er ongeveer 110). Laat kolommen weg die je niet nodig hebt, of laat "
                        "de indicatoren eerst door een beheerder aanmaken."
                    )
                    % {"new": new, "limit": MAX_NEW_INDICATORS}
                )
            ]
        )


def municipality_regions(*, municipality: str, year: int | None = None):
    """The gemeente and every wijk and buurt in it, matched on the code digits."""
    digits = municipality.strip().upper().removeprefix("GM")
    query = (
        Neighbourhood.objects.filter(code__in=[f"GM{digits}"])
        | Neighbourhood.objects.filter(code__startswith=f"WK{digits}")
        | Neighbourhood.objects.filter(code__startswith=f"BU{digits}")
    )
    if year:
        query = query.filter(year=year)
    return query


def _format_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


LEVEL_RANK = {
    Neighbourhood.Level.MUNICIPALITY: 0,
    Neighbourhood.Level.DISTRICT: 1,
    Neighbourhood.Level.NEIGHBOURHOOD: 2,
    Neighbourhood.Level.CUSTOM: 3,
}


def indicators_export_rows(
    *, municipality: str, year: int | None = None, organisation=None
) -> list[list[str]]:
    """Long-format rows for one municipality: a header row, then one row per figure.

    The figures the organisation sees (its own where it has them, else the public ones);
    without an organisation the public figures only."""
    from .selectors import visible_values

    regions = municipality_regions(municipality=municipality, year=year)
    values = (
        visible_values(organisation, IndicatorValue.objects.filter(neighbourhood__in=regions))
        .select_related("neighbourhood", "indicator")
        .values_list(
            "neighbourhood__code",
            "neighbourhood__name",
            "neighbourhood__level",
            "year",
            "indicator__code",
            "indicator__name",
            "value",
            "missing_reason",
            "indicator__unit",
            "source",
            "indicator__order",
            "neighbourhood_id",
            "indicator_id",
        )
    )
    # Public rows come first; a later (own) row for the same figure replaces it.
    chosen = {(r[11], r[12], r[3]): r[:11] for r in values}
    rows = sorted(
        chosen.values(), key=lambda r: (r[3], LEVEL_RANK.get(r[2], 9), r[0], r[10], r[4])
    )
    out = [list(EXPORT_COLUMNS)]
    for code, name, level, yr, ind, ind_name, value, reason, unit, source, _order in rows:
        out.append(
            [
                code,
                name,
                level,
                str(yr),
                ind,
                ind_name,
                _format_decimal(value),
                reason,
                unit,
                source,
            ]
        )
    return out


# A text cell starting with one of these is read as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The year and the value are numbers, written by us; every other column is text from a file.
NUMBER_COLUMNS = {EXPORT_COLUMNS.index("year"), EXPORT_COLUMNS.index("value")}


def _neutralised(row: list) -> list:
    """The row with every text cell that a spreadsheet would run as a formula made inert."""
    return [
        "'" + cell
        if i not in NUMBER_COLUMNS and isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
        else cell
        for i, cell in enumerate(row)
    ]


def indicators_export(
    *, municipality: str, year: int | None = None, format: str = "csv", organisation=None
) -> bytes:
    rows = indicators_export_rows(municipality=municipality, year=year, organisation=organisation)
    if format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="waarden")
        for i, row in enumerate(rows):
            if i and row[6] != "":
                row = [*row[:3], int(row[3]), *row[4:6], float(row[6]), *row[7:]]
            elif i:
                row = [*row[:3], int(row[3]), *row[4:]]
            sheet.append(_neutralised(row) if i else row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([rows[0], *(_neutralised(row) for row in rows[1:])])
    return buffer.getvalue().encode("utf-8")


# --- uploads: stored, checked (preview), confirmed ------------------------------------------

IMPORT_PROGRESS_KEY = "wijkdata-import-progress:{code}"


def import_async_bytes() -> int:
    """Files larger than this are checked and imported by a Celery task, not in the request."""
    from django.conf import settings

    return int(getattr(settings, "IMPORT_ASYNC_BYTES", 1024 * 1024))


def import_batch_progress(batch) -> tuple[int, str]:
    from django.core.cache import cache

    return cache.get(IMPORT_PROGRESS_KEY.format(code=batch.code)) or (batch.progress, "")


def _progress_reporter(batch, start: int, end: int) -> Progress:
    from django.core.cache import cache

    key = IMPORT_PROGRESS_KEY.format(code=batch.code)
    last = [-1]

    def report(percent: int, message: str) -> None:
        # The import runs in one transaction, so progress goes to the cache, where a
        # polling page can see it before the commit.
        scaled = start + (end - start) * min(max(percent, 0), 100) // 100
        if scaled != last[0]:
            last[0] = scaled
            cache.set(key, (scaled, message), 3600)

    return report


# A batch waiting this long for its task (time limit: 6 minutes, tasks.IMPORT_TIME_LIMIT)
# will not be finished by it any more: the task was lost or its worker died.
STUCK_AFTER = timedelta(minutes=30)


def _enqueue(task, batch_id: int) -> None:
    """Queue a batch's task; if the broker cannot be reached, the batch fails, visibly."""
    from .models import ImportBatch

    try:
        task.delay(batch_id)
    except (BrokerError, ConnectionError, TimeoutError) as exc:
        logger.error(
            "Could not queue %s for import batch %s: broker unavailable (%s)",
            task.name,
            batch_id,
            exc,
        )
        ImportBatch.objects.filter(
            pk=batch_id, status__in=[ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING]
        ).update(
            status=ImportBatch.Status.FAILED,
            error=_("De achtergrondverwerking is niet bereikbaar; probeer het later opnieuw."),
            updated=_now(),
        )


def _now():
    from django.utils import timezone

    return timezone.now()


def import_batch_is_stuck(batch) -> bool:
    """True for a batch that has waited for its task far longer than a task may take."""
    from .models import ImportBatch

    return (
        batch.status in {ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING}
        and batch.updated is not None
        and batch.updated < _now() - STUCK_AFTER
    )


def import_batch_create(
    *, user, area, uploaded_file, year=None, sheet="", source="", public: bool = False
):
    """Store an uploaded file as an ImportBatch. Refuses (ImportRefused) above the size limit.

    The figures will be the area's organisation's own; only staff may ask for public ones
    (`public`), and a coordinator's request for them is ignored (import_batch_owner_id)."""
    from .models import ImportBatch

    reading.check_size(uploaded_file.size)
    reading.check_unpacked_size(uploaded_file)  # a zip bomb is refused before it is stored
    batch = ImportBatch(
        user=user,
        area=area,
        original_name=Path(uploaded_file.name).name[:255],
        size=uploaded_file.size,
        year=year,
        sheet=sheet or "",
        source=source or "",
        owner=None if public and user is not None and user.is_staff else getattr(area, "organisation", None),
    )
    batch.file.save(
        f"{batch.code}{Path(uploaded_file.name).suffix[:10].lower()}", uploaded_file, save=False
    )
    batch.save()
    return batch


# A refused file can have millions of problems (every cell of a wrong column). The report
# keeps the first ones, which say what is wrong, and how many there are per column.
REPORT_PROBLEMS = 300
REPORT_COLUMNS = 50


def _refusal_report(refused: ImportRefused) -> dict:
    problems = refused.problems
    per_column: dict[str, int] = {}
    for problem in problems:
        key = problem.column or ""
        per_column[key] = per_column.get(key, 0) + 1
    counts = sorted(per_column.items(), key=lambda item: (-item[1], item[0]))
    return {
        "problems": [p.as_dict() for p in problems[:REPORT_PROBLEMS]],
        "problem_count": len(problems),
        "problems_omitted": max(len(problems) - REPORT_PROBLEMS, 0),
        "problem_counts": [
            {"column": column, "count": count} for column, count in counts[:REPORT_COLUMNS]
        ],
        "notes": refused.notes[:REPORT_PROBLEMS],
    }


def import_batch_fail_crashed(*, batch_id: int) -> None:
    """The batch whose task killed its worker again and again fails, with a message."""
    from .models import ImportBatch

    ImportBatch.objects.filter(
        pk=batch_id,
        status__in=[
            ImportBatch.Status.UPLOADED,
            ImportBatch.Status.CHECKING,
            ImportBatch.Status.IMPORTING,
        ],
    ).update(
        status=ImportBatch.Status.FAILED,
        error=_(
            "Dit bestand liet de verwerking herhaaldelijk vastlopen en wordt niet opnieuw "
            "geprobeerd. Controleer het bestand (bijvoorbeeld op lege cellen ver buiten de "
            "tabel) of neem contact op met de beheerder."
        ),
        progress=100,
        updated=_now(),
    )


def import_batch_scope(batch) -> Scope | None:
    """What an upload may write: everything for staff, else only the area's municipality."""
    user = batch.user
    if user is not None and user.is_staff:
        return None
    organisation = batch.area.organisation if batch.area is not None else None
    if organisation is None:
        return scope_for("")
    return scope_for(organisation.municipality_code, organisation.municipality_name)


def import_batch_owner_id(batch) -> int | None:
    """Whose figures an upload writes. A coordinator's upload always writes the area's
    organisation's own figures, whatever the batch row says; public figures (None) only
    when staff chose them."""
    user = batch.user
    area_owner = batch.area.organisation_id if batch.area is not None else None
    if user is not None and user.is_staff:
        return batch.owner_id
    if area_owner is None:
        # Never public by default: without an area there is no organisation to write for.
        raise ImportRefused([Problem(_("Dit bestand hoort bij geen gebied; er is niets opgeslagen."))])
    return area_owner


def _run_batch(batch, *, dry_run: bool) -> None:
    from django.utils import timezone

    from .models import ImportBatch

    started, finished = (0, 100) if dry_run else (0, 100)
    try:
        scope = import_batch_scope(batch)
        owner_id = import_batch_owner_id(batch)
        with batch.file.open("rb") as handle:
            data = handle.read()
        chosen_kinds = dict((batch.report or {}).get("chosen_kinds") or {})
        result = indicators_import(
            kinds=chosen_kinds,
            scope=scope,
            owner=owner_id,
            data=data,
            file_name=batch.original_name,
            year=batch.year,
            sheet=batch.sheet or None,
            source=batch.source or None,
            dry_run=dry_run,
            progress=_progress_reporter(batch, started, finished),
        )
    except ImportRefused as refused:
        batch.status, batch.report = ImportBatch.Status.REFUSED, _refusal_report(refused)
    except Exception:
        logger.exception("Import %s failed", batch.code)
        batch.status = ImportBatch.Status.FAILED
        batch.error = _(
            "Het inlezen is mislukt door een fout in het systeem. Probeer het later opnieuw "
            "of neem contact op met de beheerder."
        )
    else:
        batch.report = result.plan.as_dict()
        batch.report["summary"] = result.summary_lines()
        batch.report["chosen_kinds"] = chosen_kinds
        if dry_run:
            batch.status = ImportBatch.Status.PREVIEW
        else:
            batch.status, batch.applied = ImportBatch.Status.DONE, timezone.now()
    batch.progress = 100
    batch.save(update_fields=["status", "report", "error", "progress", "applied", "updated"])


def import_batch_check(*, batch_id: int):
    """Read and compare the stored file without writing figures: the preview."""
    from .models import ImportBatch

    batch = ImportBatch.objects.select_related("user", "area__organisation").get(pk=batch_id)
    if batch.status not in {ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKING}:
        return batch
    _run_batch(batch, dry_run=True)
    return batch


def import_batch_apply(*, batch_id: int):
    """Import the stored file for real, all or nothing, after the coordinator confirmed."""
    from .models import ImportBatch

    batch = ImportBatch.objects.select_related("user", "area__organisation").get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        return batch
    _run_batch(batch, dry_run=False)
    return batch


def import_batch_start_check(batch) -> None:
    """Check now for a small file; queue a task for a big one (after the row is committed)."""
    from django.utils import timezone

    from .models import ImportBatch
    from .tasks import check_import_batch

    if _work_size(batch) <= import_async_bytes():
        import_batch_check(batch_id=batch.pk)
        batch.refresh_from_db()
        return
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.CHECKING, updated=timezone.now()
    )
    batch.status = ImportBatch.Status.CHECKING
    transaction.on_commit(partial(_enqueue, check_import_batch, batch.pk))


def _work_size(batch) -> int:
    """What the import has to read: an xlsx's unpacked size, not its compressed one."""
    try:
        with batch.file.open("rb") as handle:
            return max(batch.size, reading.unpacked_size(handle))
    except OSError:
        return batch.size


def import_batch_confirm(batch, *, kinds: dict[str, str] | None = None) -> None:
    """Import a previewed batch; `kinds` are the kinds the coordinator chose in the preview
    for indicators whose kind the file left open (indicator code → kind)."""
    from django.utils import timezone

    from .importing.catalogue import KINDS
    from .models import ImportBatch
    from .tasks import apply_import_batch

    askable = {i["code"] for i in batch.report.get("indicators", []) if i.get("ask_kind")}
    chosen = {code: kind for code, kind in (kinds or {}).items() if code in askable and kind in KINDS}
    report = {**batch.report, "chosen_kinds": chosen}
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.IMPORTING, progress=0, updated=timezone.now(), report=report
    )
    if not updated:
        return
    batch.status = ImportBatch.Status.IMPORTING
    if _work_size(batch) <= import_async_bytes():
        import_batch_apply(batch_id=batch.pk)
        batch.refresh_from_db()
        return
    transaction.on_commit(partial(_enqueue, apply_import_batch, batch.pk))
