"""The PDF renderer reads our static and media files and nothing else: no local file
outside them, no network, whatever the HTML or the user text asks for."""

import http.server
import subprocess
import threading

import pytest

from plans.models import Plan
from plans.pdf import BASE_URL, SafeURLFetcher, plan_html, render_pdf
from plans.pdf.fetcher import RefusedURL
from tests.base import People


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def web_server():
    """A local HTTP server that counts requests: the renderer must never make one."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg"/>')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


class TestFetcher:
    def test_it_serves_our_stylesheet(self):
        response = SafeURLFetcher()(BASE_URL + "static/css/pdf.css")
        assert b"@page" in response.read()
        assert response.content_type == "text/css"

    def test_it_serves_a_media_file(self, media):
        (media / "logos").mkdir()
        (media / "logos" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
        response = SafeURLFetcher()(BASE_URL + "media/logos/logo.svg")
        assert response.read().startswith(b"<svg")

    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "file:///work/main/db.sqlite3",
            "http://127.0.0.1:9/image.png",
            "https://example.com/image.png",
            "ftp://example.com/image.png",
            "http://gebiedsplan.invalid/static/css/pdf.css",  # our path, wrong scheme
            "https://user:pw@gebiedsplan.invalid/static/css/pdf.css",
            BASE_URL + "static/../../../../etc/passwd",
            BASE_URL + "static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            BASE_URL + "static/..%2f..%2f..%2fetc/passwd",
            BASE_URL + "media/../gebiedsplan/settings.py",
            BASE_URL + "media/%2e%2e/gebiedsplan/settings.py",
            BASE_URL + "media//etc/passwd",
            BASE_URL + "static/css/does-not-exist.css",
            BASE_URL + "etc/passwd",
            BASE_URL + "admin/",
        ],
    )
    def test_it_refuses_everything_else(self, url, media):
        fetcher = SafeURLFetcher()
        with pytest.raises(RefusedURL):
            fetcher(url)
        assert fetcher.refused == [url]

    def test_it_lets_self_contained_data_urls_through(self):
        response = SafeURLFetcher()("data:text/plain,hallo")
        assert response.read() == b"hallo"


class TestRendering:
    def test_a_local_file_in_the_html_is_not_read(self, tmp_path, web_server):
        base, hits = web_server
        html = f"""<html lang="nl"><head>
            <link rel="stylesheet" href="{base}/style.css">
            <link rel="stylesheet" href="file:///etc/passwd">
            <style>@import url("file:///etc/hostname"); body {{ background: url("{base}/bg.png") }}
                   @font-face {{ font-family: X; src: url("{base}/font.woff") }}</style>
            </head><body>
            <p>Voor</p>
            <img src="file:///etc/passwd"><img src="{base}/pixel.svg">
            <object data="file:///etc/passwd"></object><embed src="{base}/x.svg">
            <iframe src="file:///etc/passwd"></iframe>
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
              <image href="file:///etc/passwd" width="10" height="10"/>
              <image xlink:href="{base}/svg-image.png" width="10" height="10"/>
            </svg>
            <p>Na</p></body></html>"""
        rendered = render_pdf(html)
        text = pdf_text(rendered.pdf, tmp_path)
        assert "Voor" in text and "Na" in text
        assert "root:" not in text
        assert hits == []
        assert "file:///etc/passwd" in rendered.refused
        assert any(url.startswith(base) for url in rendered.refused)


@pytest.mark.django_db
class TestUserText:
    PAYLOADS = [
        '<script>alert("xss")</script>',
        '<img src="file:///etc/passwd">',
        "<img src=x onerror=alert(1)>",
        "[link](http://127.0.0.1:9/tracker.png)",
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        "</style><style>body{background:url(file:///etc/passwd)}</style>",
        "{% debug %} {{ settings.SECRET_KEY }}",
    ]

    def test_html_and_urls_in_user_text_are_printed_not_followed(self, tmp_path, web_server):
        base, hits = web_server
        people = People.create(sections=[("text", "Het verhaal"), ("cards", "Krachten")], themes=["Thema"])
        payload = "\n\n".join(
            [*self.PAYLOADS, f'<img src="{base}/user.png">', f"{base}/plain-url.png"]
        )
        from plans import services

        services.section_update(section=people.plan.sections.get(kind="text"), heading=payload[:300], intro=payload)
        cards = people.plan.sections.get(kind="cards")
        services.card_add(section=cards, kind=cards.card_kinds.first(), theme=people.plan.themes.get(), text=payload)
        Plan.objects.filter(pk=people.plan.pk).update(
            title=payload[:300],
            tagline='<img src="file:///etc/passwd">',
            authors="<b>Auteur</b>",
            colophon_text=payload,
        )
        plan = Plan.objects.select_related("area__organisation").get(pk=people.plan.pk)
        html = plan_html(plan)
        assert "<script>" not in html
        assert '<img src="file:' not in html
        assert f'<img src="{base}' not in html
        assert "&lt;script&gt;" in html
        rendered = render_pdf(html)
        assert rendered.refused == []  # nothing in the user text was even tried
        assert hits == []
        text = pdf_text(rendered.pdf, tmp_path)
        assert "root:" not in text
        assert '<script>alert("xss")</script>' in text  # printed as the text it is
        assert "{% debug %}" in text
