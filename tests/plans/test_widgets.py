"""The edit pages build their widgets' HTML in Python (plans.widgets): it must be exactly
what Django's widget templates make, for every kind of item form and the citation form."""

import pytest
from django.forms.renderers import DjangoTemplates

from plans.forms import CitationForm
from plans.models import Section
from plans.views_edit import ITEM_MODELS, _item_form_class, _limit_choices

pytestmark = pytest.mark.django_db


def _fields_html(form, renderer) -> list[str]:
    form.renderer = renderer
    return [str(field) for field in form]


def test_it_renders_every_item_form_as_django_would(demo):
    seen = set()
    for section in Section.objects.select_related("plan").order_by("pk"):
        if section.kind not in ITEM_MODELS or section.kind in seen:
            continue
        model, form_class = _item_form_class(section)
        item = model.objects.filter(section=section).first()
        if item is None:
            continue
        seen.add(section.kind)
        form = form_class(instance=item, prefix=f"i{item.pk}")
        _limit_choices(form, section, {})
        fast = _fields_html(form, form.renderer)
        assert fast == _fields_html(form, DjangoTemplates())
        assert fast and all(html.startswith(("<input", "<select", "<textarea")) for html in fast)
    assert len(seen) >= 4


def test_it_renders_posted_values_and_special_characters_as_django_would():
    form = CitationForm(
        {"c1-indicator": "2", "c1-neighbourhood": "", "c1-year": "2024"}, prefix="c1",
        indicators=[("1", 'Woningen "sociaal" & <huur>'), ("2", "Inwoners")],
        neighbourhoods=[("7", "Binnenstad · wijk")], years=[2023, 2024], targets=None,
    )
    form.is_valid()
    fast = _fields_html(form, form.renderer)
    assert fast == _fields_html(form, DjangoTemplates())
    assert "&quot;sociaal&quot; &amp; &lt;huur&gt;" in "".join(fast)
    assert 'value="2" selected' in "".join(fast)
