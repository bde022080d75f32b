"""The only way the PDF renderer reads anything: our static files and media files.

WeasyPrint follows every URL in the HTML and CSS it renders (images, stylesheets, fonts).
User text is escaped before it reaches a template, so it cannot add a URL; this fetcher
is the second wall: whatever slips through, the renderer can read no local file outside
STATIC/MEDIA and reach no network, and a refused URL becomes an empty image, not an error.
"""

import logging
import mimetypes
import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The documents are rendered with this base URL, so that "/static/…" and "/media/…" in
# the HTML resolve to it. The host is reserved (RFC 2606) and never looked up.
BASE_URL = "https://gebiedsplan.invalid/"
_ORIGIN = "https://gebiedsplan.invalid"


class RefusedURL(ValueError):
    """A URL the renderer may not read."""


def _clean_path(raw: str, prefix: str) -> str:
    """The file name below `prefix`, refusing anything that climbs out of it."""
    name = unquote(raw[len(prefix) :])
    if "\x00" in name or "\\" in name:
        raise RefusedURL(raw)
    parts = name.split("/")
    if any(part in ("..", ".") for part in parts) or name.startswith("/"):
        raise RefusedURL(raw)
    name = posixpath.normpath(name)
    if name in ("", ".") or name.startswith(".."):
        raise RefusedURL(raw)
    return name


def _inside(path: Path, roots: list[Path]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or root in real.parents for root in roots)


def _static_roots() -> list[Path]:
    roots = [Path(os.path.realpath(settings.STATIC_ROOT))]
    for entry in settings.STATICFILES_DIRS:
        location = entry[1] if isinstance(entry, tuple | list) else entry
        roots.append(Path(os.path.realpath(location)))
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(os.path.realpath(location)))
    return roots


class SafeURLFetcher(URLFetcher):
    """Serves /static/… from the static files and /media/… from the default storage."""

    def __init__(self) -> None:
        # No handlers matter: fetch() below never calls urllib.
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            return self._fetch(url)
        except RefusedURL:
            self.refused.append(url)
            logger.warning("PDF renderer refused to fetch %.200r", url)
            raise

    def _fetch(self, url: str) -> URLFetcherResponse:
        if url.startswith("data:"):
            # Self-contained, no I/O: urllib decodes it without touching disk or network.
            return super().fetch(url)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != _ORIGIN or parts.username or parts.password:
            raise RefusedURL(url)
        path = parts.path
        if path.startswith(settings.STATIC_URL):
            name = _clean_path(path, settings.STATIC_URL)
            found = finders.find(name) or str(Path(settings.STATIC_ROOT) / name)
            if not found or not os.path.isfile(found) or not _inside(Path(found), _static_roots()):
                raise RefusedURL(url)
            with open(found, "rb") as fh:
                body = fh.read()
        elif path.startswith(settings.MEDIA_URL):
            name = _clean_path(path, settings.MEDIA_URL)
            try:
                with default_storage.open(name, "rb") as fh:
                    body = fh.read()
            except Exception as exc:  # SuspiciousFileOperation, missing file, storage error
                raise RefusedURL(url) from exc
        else:
            raise RefusedURL(url)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})
