"""The key of a plan's PDF: two PDFs with the same key are the same document.

The PDF is a pure function of
- the plan's content, which `Plan.revision` numbers (every write raises it, imports of
  figures the plan shows included: plans.services);
- the plan row itself (colophon, status), its area and organisation (name, colour, logo,
  contact details), already loaded with the plan;
- the size of the uploaded images (the logo and the cover photo);
- the code and the files that turn data into a PDF: the PDF templates, pdf.css, the
  chart palettes, the modules of plans/pdf, the rich-text and number formatting, the translations, fonts, and
  the versions of Django and WeasyPrint.
So an unchanged plan gets its stored file back without reading its content at all.
"""

import hashlib
import json
from pathlib import Path

import django
import weasyprint
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile

from plans.models import Plan

# Bump when the output changes in a way none of the files below shows.
RENDER_VERSION = "2"

_ROOT = Path(settings.BASE_DIR)
_CODE = [
    "templates/plans/pdf",
    "templates/plans/_colophon_fields.html",
    "templates/plans/_cited.html",
    "static/css/pdf.css",
    "static/vendor/source-sans-3",  # the typeface
    "plans/pdf",
    "plans/richtext.py",
    "plans/sanitize.py",
    "plans/templatetags/plan_text.py",
    "wijkdata/formatting.py",
    "wijkdata/palettes.py",
    "locale",
    # The execution part after the sections (registered by the execution app).
    "templates/execution/_plan_part.html",
    "templates/execution/_budget.html",
    "execution/selectors.py",
    "execution/templatetags/execution.py",
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


def _file_size(file: FieldFile) -> str:
    if not file:
        return "-"
    try:
        return str(default_storage.size(file.name))
    except Exception:  # a missing upload renders without it; hash that state
        return "missing"


def _row(obj) -> str:
    """Every concrete field of a loaded row (the plan, its area, its organisation)."""
    return repr([
        (f.attname, _value(getattr(obj, f.attname)))
        for f in obj._meta.concrete_fields
        if f.attname not in ("created", "updated")
    ])


def _value(value) -> str:
    """A field's value as text. JSON (the contributors' rows) with its keys sorted: PostgreSQL's
    jsonb hands keys back in its own order, so the same rows read from the database and
    as saved would otherwise give two keys for one PDF."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def content_hash(plan: Plan) -> str:
    """The identity of the PDF that rendering this plan now would produce.

    The plan's content counts through its revision; the plan, area and organisation rows
    (loaded anyway) count field by field, so even a bulk update of them is seen.
    """
    area = plan.area
    organisation = area.organisation
    digest = hashlib.sha256(code_digest())
    digest.update(f"|{_row(plan)}|{_row(area)}|{_row(organisation)}".encode())
    digest.update(f"|logo:{_file_size(organisation.logo)}|cover:{_file_size(plan.cover_image)}".encode())
    return digest.hexdigest()
