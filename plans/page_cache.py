"""The cache key of a rendered plan article.

A key changes when the plan's content changes (plans.selectors.plan_content_version), when
the language changes, and when the code that shapes the article changes: a deploy with a
new template, selector, formatting rule or translation must not serve old articles.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from .selectors import plan_content_version

_SHAPING_FILES = [
    "templates/plans/plan_detail.html",
    "templates/plans/_quadrant.html",
    "templates/plans/_colophon_fields.html",
    "plans/selectors.py",
    "plans/richtext.py",
    "plans/templatetags/plan_text.py",
    "wijkdata/formatting.py",
    "wijkdata/templatetags/figures.py",
    "locale/en/LC_MESSAGES/django.mo",
]


@cache
def code_digest() -> str:
    """Read once per process; a deploy restarts the processes."""
    digest = hashlib.sha256()
    for name in _SHAPING_FILES:
        path = Path(settings.BASE_DIR) / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def plan_article_key(plan) -> str:
    return f"plan-article:{code_digest()}:{plan.code}:{get_language()}:{plan_content_version(plan)}"
