"""`manage.py render_plan PLAN_CODE --out FILE.pdf` renders through the same service."""

import uuid

import pytest
from django.core.management import CommandError, call_command

from plans.models import PlanExport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_writes_the_pdf_and_reuses_it_for_an_unchanged_plan(demo, tmp_path, capsys):
    out = tmp_path / "out" / "plan.pdf"
    call_command("render_plan", str(demo.binnenstad.code), "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF-")
    export = PlanExport.objects.get()
    assert export.status == PlanExport.Status.DONE
    assert export.task_id.startswith("render_plan-")
    assert f"{export.page_count} pages" in capsys.readouterr().out

    call_command("render_plan", str(demo.binnenstad.code), "--out", str(tmp_path / "again.pdf"))
    assert PlanExport.objects.count() == 1
    assert (tmp_path / "again.pdf").read_bytes() == out.read_bytes()


def test_force_renders_again(demo, tmp_path):
    call_command("render_plan", str(demo.binnenstad.code), "--out", str(tmp_path / "a.pdf"))
    call_command(
        "render_plan", str(demo.binnenstad.code), "--out", str(tmp_path / "b.pdf"), "--force"
    )
    # The demo plan is adopted: both versions are kept as archived exports.
    assert PlanExport.objects.filter(archived=True, status=PlanExport.Status.DONE).count() == 2


@pytest.mark.parametrize("code", ["not-a-uuid", str(uuid.uuid4())])
def test_it_refuses_an_unknown_plan(code, tmp_path):
    with pytest.raises(CommandError, match="No plan"):
        call_command("render_plan", code, "--out", str(tmp_path / "x.pdf"))
