"""The designed PDF of a plan (WeasyPrint): HTML, content hash, safe fetching, charts."""

from .fetcher import BASE_URL, SafeURLFetcher
from .fingerprint import content_hash
from .render import RenderedPdf, plan_html, render_pdf, warm_up

__all__ = [
    "BASE_URL",
    "RenderedPdf",
    "SafeURLFetcher",
    "content_hash",
    "plan_html",
    "render_pdf",
    "warm_up",
]
