"""Plan texts stored as HTML are sanitised with nh3 on render: no payload survives."""

import pytest

from plans.sanitize import clean_html
from plans.templatetags.plan_text import richtext

PAYLOADS = [
    "<p>a</p><script>alert(1)</script>",
    '<p onclick="alert(1)">a</p>',
    '<p><a href="javascript:alert(1)">a</a></p>',
    '<p><svg onload="alert(1)"></svg>a</p>',
    '<p style="background:url(javascript:alert(1))">a</p><style>body{display:none}</style>',
    '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a</a></p>',
    '<p><img src=x onerror="alert(1)">a',
    "<p>a<iframe src='https://evil.example'>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stored_html_payloads_are_inert(payload):
    html = str(richtext(payload)).lower()
    for bad in ("<script", "onclick", "onload", "onerror", "javascript:", "<svg", "style", "data:", "<img", "<iframe"):
        assert bad not in html
    assert "a" in html


def test_the_features_plan_texts_need_survive():
    html = clean_html(
        "<h3>Kop</h3><h4>Tussenkop</h4><p><strong>vet</strong> <em>schuin</em> "
        '<a href="https://www.s-hertogenbosch.nl">link</a> <a href="mailto:a@b.nl">mail</a></p>'
        "<ul><li>een</li></ul><ol><li>eerst</li></ol>"
        "<table><thead><tr><th>Wijk</th></tr></thead><tbody><tr><td>Boschveld</td></tr></tbody></table>"
    )
    for tag in ("<h3>", "<h4>", "<strong>", "<em>", "<ul>", "<ol>", "<table>", "<th>", "<td>"):
        assert tag in html
    assert 'href="https://www.s-hertogenbosch.nl"' in html and 'href="mailto:a@b.nl"' in html


def test_proper_names_are_bound_in_stored_html():
    html = str(richtext("<p>Wij werken in <strong>'s-Hertogenbosch</strong> en Boschveld.</p>"))
    assert '<span class="proper-name__whole">&#x27;s-Hertogenbosch</span>' in html or "proper-name__whole" in html
    assert '<span class="proper-name"> Boschveld.</span>' in html


def test_headings_outside_the_editor_set_keep_only_their_text():
    html = clean_html("<h1>Groot</h1><h2>Kop</h2><h5>Klein</h5><p>tekst</p>")
    assert "<h1" not in html and "<h2" not in html and "<h5" not in html
    assert "Groot" in html and "Kop" in html and "Klein" in html


def test_plain_text_renders_as_escaped_paragraphs_not_as_markup():
    # A row that is not HTML (written by the shell, or an old snapshot put back).
    html = str(richtext("## kop\n\nde wijk **leeft**.\nnieuwe regel <b>x</b>"))
    assert html.startswith("<p>## kop</p><p>de wijk **leeft**.<br>nieuwe regel")
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_subheadings_move_to_the_depth_of_the_section():
    assert "<h5>kop</h5>" in str(richtext("<h3>kop</h3><p>a</p>", 5))
    assert "<h2>kop</h2><h3>sub</h3>" in str(richtext("<h3>kop</h3><h4>sub</h4>", 2))


def test_editor_html_is_sanitised_before_it_is_saved():
    from plans.sanitize import SanitisedTextField

    field = SanitisedTextField()
    assert field.clean('<p onclick="x()">a<script>alert(1)</script></p>') == "<p>a</p>"
    assert field.clean("- een\n- **twee**") == "- een\n- **twee**"
