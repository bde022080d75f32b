"""Business logic of plans shared by views, tasks and commands.

PDF exports: `plan_export_request` (a person asks for the PDF), `plan_export_render`
(what the Celery task runs), `plan_export_claim` (one worker, once), and helpers.
"""

import contextlib
import logging
import uuid
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .models import Plan, PlanExport
from .pdf import content_hash, plan_html, render_pdf
from .selectors import plan_document

logger = logging.getLogger(__name__)

# The Celery task's limits (see plans/tasks.py). A full plan renders in about 2 s.
PDF_SOFT_TIME_LIMIT = 60
PDF_TIME_LIMIT = 90
# A claim older than the hard limit belongs to a worker that is gone: it may be taken over.
# (Redis redelivers an unacknowledged message only after its visibility timeout, an hour,
# so a message is never handed to a second worker while the first may still run it.)
CLAIM_EXPIRES = timedelta(seconds=PDF_TIME_LIMIT + 30)
# A queued export that no worker picked up for this long is queued again on the next request.
REQUEUE_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 3


class TransientExportError(Exception):
    """A failure worth retrying (database or storage briefly unavailable)."""


def plan_export_current(*, plan: Plan) -> PlanExport | None:
    """The export to show on the plan page: the newest one (one query)."""
    return plan.exports.order_by("-created").first()


def _file_exists(export: PlanExport) -> bool:
    try:
        return bool(export.file) and default_storage.exists(export.file.name)
    except Exception:  # a storage we cannot ask counts as missing: render again
        return False


def _enqueue(export_id: int) -> None:
    from .tasks import render_plan_export

    try:
        render_plan_export.delay(export_id)
    except BrokerError:
        # The export stays queued; the next request for this plan queues it again.
        logger.exception("Could not queue PDF export %s: broker unavailable", export_id)


def plan_export_request(
    *, plan: Plan, user=None, enqueue: bool = True, force: bool = False
) -> PlanExport:
    """The PDF of the plan as it is now: stored, in flight, or queued here.

    Idempotent: an unchanged plan gets its stored file back at once, and while a render of
    this content is queued or running every request gets that same export. The task is
    queued only after the transaction commits, with the export's id. `force` skips the
    stored file (not an export in flight).
    """
    digest = content_hash(plan, plan_document(plan))
    done = (
        None
        if force
        else (
            PlanExport.objects.filter(plan=plan, content_hash=digest, status=PlanExport.Status.DONE)
            .exclude(file="")
            .order_by("-finished")
            .first()
        )
    )
    if done is not None and _file_exists(done):
        if plan.status == Plan.Status.ADOPTED and not done.archived:
            PlanExport.objects.filter(pk=done.pk).update(archived=True)
            done.archived = True
        return done

    with transaction.atomic():
        active = (
            PlanExport.objects.select_for_update()
            .filter(plan=plan, content_hash=digest, status__in=PlanExport.ACTIVE)
            .first()
        )
        if active is not None:
            if _needs_requeue(active) and enqueue:
                transaction.on_commit(partial(_enqueue, active.pk))
            return active
        try:
            # A savepoint: a concurrent request for the same content may insert first.
            with transaction.atomic():
                export = PlanExport.objects.create(
                    plan=plan,
                    requested_by=user if getattr(user, "is_authenticated", False) else None,
                    content_hash=digest,
                    archived=plan.status == Plan.Status.ADOPTED,
                )
        except IntegrityError:
            return PlanExport.objects.get(
                plan=plan, content_hash=digest, status__in=PlanExport.ACTIVE
            )
        if enqueue:
            transaction.on_commit(partial(_enqueue, export.pk))
    return export


def _needs_requeue(export: PlanExport) -> bool:
    now = timezone.now()
    if export.status == PlanExport.Status.QUEUED:
        return export.updated < now - REQUEUE_AFTER
    return export.started is not None and export.started < now - CLAIM_EXPIRES


def plan_export_claim(*, export_id: int, task_id: str) -> bool:
    """Take the export for rendering, atomically. False: someone else has it, or it is done.

    A queued export can be claimed once. The same task id may claim again (the message
    was redelivered after its worker died: acks_late), and an expired claim may be taken
    over; after MAX_ATTEMPTS claims the export fails instead of looping.
    """
    if not task_id:
        raise ValueError("a claim needs the id of the task that holds it")
    now = timezone.now()
    claimable = (
        Q(status=PlanExport.Status.QUEUED)
        | Q(status=PlanExport.Status.RENDERING, task_id=task_id)
        | Q(status=PlanExport.Status.RENDERING, started__lt=now - CLAIM_EXPIRES)
    )
    claimed = PlanExport.objects.filter(claimable, pk=export_id, attempts__lt=MAX_ATTEMPTS).update(
        status=PlanExport.Status.RENDERING,
        task_id=task_id,
        progress=5,
        attempts=F("attempts") + 1,
        started=now,
        error="",
        updated=now,
    )
    if claimed:
        return True
    gave_up = PlanExport.objects.filter(claimable, pk=export_id, attempts__gte=MAX_ATTEMPTS).update(
        status=PlanExport.Status.FAILED,
        error=_("De PDF kon na meerdere pogingen niet worden gemaakt. Probeer het later opnieuw."),
        finished=now,
        updated=now,
    )
    if gave_up:
        logger.error("PDF export %s failed: gave up after %s attempts", export_id, MAX_ATTEMPTS)
    return False


def plan_export_fail(*, export_id: int, message: str, task_id: str | None = None) -> None:
    """Mark the export failed with a message for people (the reason goes to the log)."""
    exports = PlanExport.objects.filter(pk=export_id, status__in=PlanExport.ACTIVE)
    if task_id is not None:
        exports = exports.filter(task_id=task_id)
    now = timezone.now()
    exports.update(status=PlanExport.Status.FAILED, error=message, finished=now, updated=now)


def plan_export_render(*, export_id: int, task_id: str = "") -> PlanExport | None:
    """Claim, render and store one export. Safe to run twice: the second run does nothing.

    Returns the export when this call finished it (done or failed), None when it had
    nothing to do. Raises TransientExportError after giving the claim back, for a retry.
    """
    task_id = task_id or f"inline-{uuid.uuid4()}"
    if not plan_export_claim(export_id=export_id, task_id=task_id):
        logger.info("PDF export %s: nothing to do (claimed elsewhere, done or gone)", export_id)
        return None
    owned = PlanExport.objects.filter(
        pk=export_id, status=PlanExport.Status.RENDERING, task_id=task_id
    )

    def progress(value: int) -> None:
        owned.update(progress=value, updated=timezone.now())

    try:
        export = PlanExport.objects.select_related("plan__area__organisation").get(pk=export_id)
        plan = export.plan
        document = plan_document(plan)
        digest = content_hash(plan, document)
        html = plan_html(plan, document)
        progress(25)
        rendered = render_pdf(html, progress=progress)
        if rendered.refused:
            logger.warning("PDF export %s: refused to fetch %s", export_id, rendered.refused)
        name = f"gebiedsplan-{plan.year}-{slugify(plan.area.name)[:60]}-{export.code}.pdf"
        stored = default_storage.save(
            export.file.field.generate_filename(export, name), ContentFile(rendered.pdf)
        )
    except SoftTimeLimitExceeded:
        logger.error("PDF export %s: soft time limit reached", export_id)
        plan_export_fail(
            export_id=export_id,
            task_id=task_id,
            message=_("Het maken van de PDF duurde te lang. Probeer het later opnieuw."),
        )
        return PlanExport.objects.filter(pk=export_id).first()
    except (OperationalError, InterfaceError, OSError) as exc:
        logger.warning("PDF export %s: transient failure, will retry: %r", export_id, exc)
        # Give the claim back; if even that fails, the same task id may claim it again.
        with contextlib.suppress(DatabaseError):
            owned.update(status=PlanExport.Status.QUEUED, progress=0, updated=timezone.now())
        raise TransientExportError(str(exc)) from exc
    except PlanExport.DoesNotExist:
        return None
    except Exception:
        logger.exception("PDF export %s failed", export_id)
        plan_export_fail(
            export_id=export_id,
            task_id=task_id,
            message=_(
                "De PDF kon niet worden gemaakt. Probeer het later opnieuw of neem contact op met de beheerder."
            ),
        )
        return PlanExport.objects.filter(pk=export_id).first()

    now = timezone.now()
    finished = owned.update(
        status=PlanExport.Status.DONE,
        progress=100,
        file=stored,
        content_hash=digest,
        page_count=rendered.pages,
        archived=export.archived or plan.status == Plan.Status.ADOPTED,
        finished=now,
        updated=now,
    )
    if not finished:
        # The claim expired and another worker took over: its file wins, ours goes.
        default_storage.delete(stored)
        return None
    _prune(plan=plan, keep=export_id)
    return PlanExport.objects.filter(pk=export_id).first()


def _prune(*, plan: Plan, keep: int) -> None:
    """Older finished exports of the plan go, with their files; archived ones stay."""
    old = list(
        plan.exports.filter(
            status__in=[PlanExport.Status.DONE, PlanExport.Status.FAILED], archived=False
        )
        .exclude(pk=keep)
        .filter(created__lt=PlanExport.objects.filter(pk=keep).values("created")[:1])
    )
    for export in old:
        if export.file:
            try:
                default_storage.delete(export.file.name)
            except OSError:
                logger.warning("Could not delete %s", export.file.name)
    PlanExport.objects.filter(pk__in=[e.pk for e in old]).delete()


def plan_export_render_now(*, plan: Plan, user=None, force: bool = False) -> PlanExport:
    """Render synchronously in this process, through the same claim and storage path.

    For scripts and checks (`manage.py render_plan`). Without `force`, an unchanged plan
    returns its stored export.
    """
    export = plan_export_request(plan=plan, user=user, enqueue=False, force=force)
    if export.is_active:
        plan_export_render(export_id=export.pk, task_id=f"render_plan-{uuid.uuid4()}")
        export.refresh_from_db()
    return export
