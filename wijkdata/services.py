"""Business logic shared by the commands, the views and the tasks of wijkdata."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .importing import layouts, planning, reading, writing
from .importing.planning import ImportPlan
from .importing.problems import ImportRefused, Problem
from .models import IndicatorValue, Neighbourhood

Progress = Callable[[int, str], None]

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
) -> ImportResult:
    """Read, check, compare and (unless dry_run) write one file, all or nothing.

    Raises ImportRefused with every problem found; in that case nothing was written.
    """
    report = progress or (lambda percent, message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if data is None:
        if path is None:
            raise ValueError("indicators_import needs data or path")
        data = _read_bytes(path)
        file_name = file_name or Path(path).name
    report(2, _("bestand lezen"))
    raw = reading.read_file(data, sheet=sheet or None)
    options = layouts.Options(year=year, sheet=sheet or None, source=source, file_name=file_name)
    parsed = layouts.parse_file(raw, options)
    timings["parse"] = time.perf_counter() - started
    chosen_source = (
        (source or "").strip()
        or parsed.source
        or (_("bestand %(name)s") % {"name": file_name} if file_name else _("onbekende bron"))
    )
    chosen_source = chosen_source[:200]
    report(15, _("vergelijken met de database"))
    if dry_run:
        plan = planning.build_plan(parsed, source=chosen_source, compare_source=bool(source))
        timings["plan"] = time.perf_counter() - started - timings["parse"]
        return ImportResult(plan=plan, applied=False, dry_run=True, timings=timings)
    with transaction.atomic():
        # Planned inside the transaction, so what is written is what was compared.
        plan = planning.build_plan(parsed, source=chosen_source, compare_source=bool(source))
        timings["plan"] = time.perf_counter() - started - timings["parse"]
        applied = plan.has_changes
        if applied:
            writing.apply_plan(plan, progress=lambda p, m: report(20 + p * 78 // 100, m))
    timings["total"] = time.perf_counter() - started
    report(100, _("klaar"))
    return ImportResult(plan=plan, applied=applied, dry_run=False, timings=timings)


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


def indicators_export_rows(*, municipality: str, year: int | None = None) -> list[list[str]]:
    """Long-format rows for one municipality: a header row, then one row per figure."""
    regions = municipality_regions(municipality=municipality, year=year)
    values = (
        IndicatorValue.objects.filter(neighbourhood__in=regions)
        .select_related("neighbourhood", "indicator")
        .order_by()
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
        )
    )
    rows = sorted(values, key=lambda r: (r[3], LEVEL_RANK.get(r[2], 9), r[0], r[10], r[4]))
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


def indicators_export(*, municipality: str, year: int | None = None, format: str = "csv") -> bytes:
    rows = indicators_export_rows(municipality=municipality, year=year)
    if format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="waarden")
        for i, row in enumerate(rows):
            if i and row[6] != "":
                row = [*row[:3], int(row[3]), *row[4:6], float(row[6]), *row[7:]]
            elif i:
                row = [*row[:3], int(row[3]), *row[4:]]
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
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


def import_batch_create(*, user, area, uploaded_file, year=None, sheet="", source=""):
    """Store an uploaded file as an ImportBatch. Refuses (ImportRefused) above the size limit."""
    from .models import ImportBatch

    reading.check_size(uploaded_file.size)
    batch = ImportBatch(
        user=user,
        area=area,
        original_name=Path(uploaded_file.name).name[:255],
        size=uploaded_file.size,
        year=year,
        sheet=sheet or "",
        source=source or "",
    )
    batch.file.save(
        f"{batch.code}{Path(uploaded_file.name).suffix[:10].lower()}", uploaded_file, save=False
    )
    batch.save()
    return batch


def _refusal_report(refused: ImportRefused) -> dict:
    return {"problems": [p.as_dict() for p in refused.problems], "notes": refused.notes}


def _run_batch(batch, *, dry_run: bool) -> None:
    import logging

    from django.utils import timezone

    from .models import ImportBatch

    started, finished = (0, 100) if dry_run else (0, 100)
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
        result = indicators_import(
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
        logging.getLogger(__name__).exception("Import %s failed", batch.code)
        batch.status = ImportBatch.Status.FAILED
        batch.error = _(
            "Het inlezen is mislukt door een fout in het systeem. Probeer het later opnieuw "
            "of neem contact op met de beheerder."
        )
    else:
        batch.report = result.plan.as_dict()
        batch.report["summary"] = result.summary_lines()
        if dry_run:
            batch.status = ImportBatch.Status.PREVIEW
        else:
            batch.status, batch.applied = ImportBatch.Status.DONE, timezone.now()
    batch.progress = 100
    batch.save(update_fields=["status", "report", "error", "progress", "applied", "updated"])


def import_batch_check(*, batch_id: int):
    """Read and compare the stored file without writing figures: the preview."""
    from .models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in {ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKING}:
        return batch
    _run_batch(batch, dry_run=True)
    return batch


def import_batch_apply(*, batch_id: int):
    """Import the stored file for real, all or nothing, after the coordinator confirmed."""
    from .models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        return batch
    _run_batch(batch, dry_run=False)
    return batch


def import_batch_start_check(batch) -> None:
    """Check now for a small file; queue a task for a big one (after the row is committed)."""
    from .models import ImportBatch
    from .tasks import check_import_batch

    if batch.size <= import_async_bytes():
        import_batch_check(batch_id=batch.pk)
        batch.refresh_from_db()
        return
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING)
    batch.status = ImportBatch.Status.CHECKING
    transaction.on_commit(lambda: check_import_batch.delay(batch.pk))


def import_batch_confirm(batch) -> None:
    from .models import ImportBatch
    from .tasks import apply_import_batch

    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.IMPORTING, progress=0
    )
    if not updated:
        return
    batch.status = ImportBatch.Status.IMPORTING
    if batch.size <= import_async_bytes():
        import_batch_apply(batch_id=batch.pk)
        batch.refresh_from_db()
        return
    transaction.on_commit(lambda: apply_import_batch.delay(batch.pk))
