"""Stored HTML in a plan text is untrusted: payloads are inert on the plan page and on the
public page, whatever wrote the row (here the service directly, not the form)."""

import pytest
from django.urls import reverse

from plans import services
from plans.models import Plan
from tests.base import People

pytestmark = pytest.mark.django_db

PAYLOAD = (
    "<p>Wij werken <strong>samen</strong>.</p><script>alert('x1')</script>"
    '<p onclick="alert(2)"><a href="javascript:alert(3)">klik</a>'
    '<svg onload="alert(4)"></svg><a href="data:text/html,x5">data</a>'
    '<style>body{display:none}</style><img src=x onerror="alert(6)"><p>open'
)
BAD = ("alert(", "javascript:", "data:text", "display:none", "onerror", "onload", "onclick", 'src="x"', "src=x")


def test_html_payloads_are_inert_on_the_plan_page_and_the_public_page(client, demo):
    plan = demo.binnenstad
    people = People.create(area=plan.area)
    Plan.objects.filter(pk=plan.pk).update(status="concept")
    story = plan.sections.get(kind="text", parent=None, order=1)
    services.section_update(section=story, intro=PAYLOAD)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ADOPTED)
    plan.refresh_from_db()
    services.plan_publish(plan=plan, public=True)

    client.force_login(people.coordinator)
    private = client.get(plan.get_absolute_url()).content.decode()
    client.logout()
    public = client.get(reverse("plans:plan_public", args=[plan.public_code])).content.decode()
    for body in (private, public):
        assert "<strong>samen</strong>" in body and ">klik</a>" in body
        for bad in BAD:
            assert bad not in body


def test_html_payloads_are_inert_in_the_pdf(demo, tmp_path):
    import subprocess

    from plans.pdf import plan_html
    from plans.pdf.render import render_pdf

    plan = demo.binnenstad
    Plan.objects.filter(pk=plan.pk).update(status="concept")
    story = plan.sections.get(kind="text", parent=None, order=1)
    services.section_update(section=story, intro=PAYLOAD)
    plan.refresh_from_db()
    html = plan_html(plan)
    assert "<strong>samen</strong>" in html
    for bad in BAD:
        assert bad not in html
    path = tmp_path / "plan.pdf"
    path.write_bytes(render_pdf(html).pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "samen" in text and "alert" not in text and "display:none" not in text
