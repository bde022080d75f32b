"""The cache key of a rendered plan article.

A key changes when the plan's content changes (`Plan.revision`, raised by every plan
service in the writing transaction), when the plan, area or organisation row changes
(their `updated` stamps come with the access check), when the language changes, and when
the code that shapes the article changes: a deploy with a new template, selector,
formatting rule or translation must not serve old articles.

The article is the same for every reader: nothing in it depends on who asks. Edit links,
review controls and the PDF button live outside it, in the page around it, which is
rendered per request; so one reader's controls can never reach another's page. The one
control inside it, the coordinator's link in the colophon, goes into a slot
(`COLOPHON_SLOT`, an HTML comment no user text can produce: texts are escaped, rich text
loses its comments to the sanitiser) that each request fills after the cache.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

COLOPHON_SLOT = "<!--colophon-tools-->"


def fill_colophon_slot(article: str, tools: str = "") -> str:
    """The cached article with this request's colophon controls (none: the slot goes)."""
    return article.replace(COLOPHON_SLOT, tools, 1)


_SHAPING_FILES = [
    "templates/plans/plan_detail.html",
    "templates/plans/_quadrant.html",
    "templates/plans/_colophon_fields.html",
    "templates/plans/_cited.html",
    "templates/plans/sections/focus.html",
    "templates/plans/sections/goals.html",
    "plans/document.py",
    "plans/richtext.py",
    "plans/sanitize.py",
    "plans/templatetags/plan_text.py",
    "templates/plans/sections/figures.html",
    "wijkdata/formatting.py",
    "wijkdata/selectors.py",  # source labels: "eigen cijfers <organisatie>"
    "wijkdata/templatetags/figures.py",
    "locale/en/LC_MESSAGES/django.mo",
    # The execution part after the sections (registered by the execution app).
    "templates/execution/_plan_part.html",
    "templates/execution/_budget.html",
    "execution/selectors.py",
    "execution/templatetags/execution.py",
]


def _files_digest(names: list[str]) -> str:
    """A short digest of these files of the project (their names and contents)."""
    digest = hashlib.sha256()
    for name in names:
        path = Path(settings.BASE_DIR) / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def code_digest() -> str:
    """Read once per process; a deploy restarts the processes."""
    return _files_digest(_SHAPING_FILES)


def plan_article_key(plan) -> str:
    stamps = (plan.updated, plan.area.updated, plan.area.organisation.updated)
    version = hashlib.sha256(repr(stamps).encode()).hexdigest()[:12]
    return f"plan-article:{code_digest()}:{plan.code}:{get_language()}:r{plan.revision}:{version}"


# --- the edit page -----------------------------------------------------------------------

_EDIT_SHAPING_FILES = [
    "templates/plans/plan_edit.html",
    "plans/views_edit.py",
    "plans/selectors.py",  # moved_citations
    "plans/services.py",  # TRANSITIONS: the status buttons
    "locale/en/LC_MESSAGES/django.mo",
]


@cache
def edit_code_digest() -> str:
    return _files_digest(_EDIT_SHAPING_FILES)


def plan_edit_key(plan, user, layout: str) -> str:
    """The key of the edit page's own part (plans.views_edit.plan_edit) for this person.

    Per user, not per role: nobody is ever served a part rendered for someone else. It
    changes with the person's role in the area (a role taken away never reaches the
    cache: the access check comes first), with everything in the plan's row but its
    revision and its stamp (the title, the status, the colophon's organisations, the
    public link…), with the area and organisation rows, with `layout` (the sections as
    the page lists them and the last status change: plans.views_edit._edit_layout), with
    the language and with the code that shapes the page. Not with the revisions: a save
    inside a section changes only those, and each request fills them in.
    """
    fields = tuple(getattr(plan, f.attname) for f in type(plan)._meta.concrete_fields if f.name not in {"revision", "updated"})
    stamps = (fields, plan.area.updated, plan.area.organisation.updated)
    version = hashlib.sha256(repr(stamps).encode()).hexdigest()[:12]
    return f"plan-edit:{edit_code_digest()}:{plan.code}:{get_language()}:u{user.pk}:{plan.user_role}:{layout}:{version}"
