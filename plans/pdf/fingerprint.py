"""The content hash of a plan's PDF: everything the rendering reads, and nothing else.

Two PDFs with the same hash are the same document, so a request for an unchanged plan
gets the stored file back. The hash covers the rendered inputs rather than the rendered
HTML: the request path then skips the template and the charts (it answers in well under
50 ms), while the result is as exact, since the HTML is a pure function of

- the plan's data, exactly as `plan_document` hands it to the templates (every field of
  every object in it, except the created/updated timestamps);
- the plan, its area and organisation (colour, logo, contact details);
- the size of the uploaded images (the logo and the cover photo);
- the code and the files that turn data into a PDF: the PDF templates, pdf.css, the
  modules of plans/pdf, the rich-text and number formatting, the translations, and the
  versions of Django and WeasyPrint.
"""

import dataclasses
import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import django
import weasyprint
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile

from plans.models import Plan
from plans.selectors import PlanDocument

# Bump when the output changes in a way none of the files below shows.
RENDER_VERSION = "1"
SKIPPED_FIELDS = frozenset({"created", "updated"})

_ROOT = Path(settings.BASE_DIR)
_CODE = [
    "templates/plans/pdf",
    "templates/plans/_colophon_fields.html",
    "static/css/pdf.css",
    "plans/pdf",
    "plans/richtext.py",
    "plans/templatetags/plan_text.py",
    "wijkdata/formatting.py",
    "locale",
]
_code_digest: bytes | None = None


def code_digest() -> bytes:
    """The files that shape the PDF, read once per process (code changes restart it)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256(
            f"{RENDER_VERSION}|{django.__version__}|{weasyprint.__version__}".encode()
        )
        for entry in _CODE:
            path = _ROOT / entry
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in files:
                if file.suffix in (".pyc",) or not file.exists():
                    continue
                digest.update(str(file.relative_to(_ROOT)).encode())
                digest.update(file.read_bytes())
        _code_digest = digest.digest()
    return _code_digest


def _feed(digest, value, seen: set) -> None:
    update = digest.update
    if isinstance(value, str):  # also TextChoices members: a loaded row has a plain str
        update(f"str:{value}\x1f".encode())
    elif isinstance(value, bool) or value is None:
        update(f"{value}\x1f".encode())
    elif isinstance(value, int):
        update(f"int:{int(value)}\x1f".encode())
    elif isinstance(value, float | Decimal | date | datetime | UUID):
        update(f"{type(value).__name__}:{value}\x1f".encode())
    elif isinstance(value, FieldFile):
        update(f"file:{value.name}\x1f".encode())
    elif isinstance(value, models.Model):
        key = (value._meta.label, value.pk)
        update(f"<{key[0]}#{value.pk}".encode())
        if key not in seen or value.pk is None:
            seen.add(key)
            for field in value._meta.concrete_fields:
                if field.name not in SKIPPED_FIELDS:
                    update(field.attname.encode())
                    _feed(digest, field.value_from_object(value), seen)
        update(b">")
    elif dataclasses.is_dataclass(value):
        update(f"{{{type(value).__name__}".encode())
        for field in dataclasses.fields(value):
            update(field.name.encode())
            _feed(digest, getattr(value, field.name), seen)
        update(b"}")
    elif isinstance(value, dict):
        update(b"{")
        for key in sorted(value, key=str):
            _feed(digest, key, seen)
            _feed(digest, value[key], seen)
        update(b"}")
    elif isinstance(value, list | tuple):
        update(b"[")
        for item in value:
            _feed(digest, item, seen)
        update(b"]")
    else:
        raise TypeError(f"cannot fingerprint {type(value).__name__}: add it to _feed")


def _file_size(file: FieldFile) -> str:
    if not file:
        return "-"
    try:
        return str(default_storage.size(file.name))
    except Exception:  # a missing upload renders without it; hash that state
        return "missing"


def content_hash(plan: Plan, document: PlanDocument) -> str:
    """The identity of the PDF `plan_html(plan, document)` + `render_pdf` would produce."""
    area = plan.area
    organisation = area.organisation
    digest = hashlib.sha256(code_digest())
    seen: set = set()
    _feed(digest, [plan, area, organisation, document], seen)
    digest.update(
        f"|logo:{_file_size(organisation.logo)}|cover:{_file_size(plan.cover_image)}".encode()
    )
    return digest.hexdigest()
