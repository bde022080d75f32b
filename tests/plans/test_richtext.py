"""Plan texts: paragraphs, two levels of subheadings, bold and italic, lists, links and
simple tables; nothing a person types becomes markup of its own."""

from plans.richtext import render_richtext


def test_it_renders_the_markup_a_plan_text_uses():
    html = render_richtext(
        "## Kop\n\n### Tussenkop\n\nDe wijk **leeft** en *groeit*.\n\n- een\n- twee\n\n1. eerst\n2. dan\n\n"
        "Zie [de gemeente](https://www.s-hertogenbosch.nl/wijken) of [mail](mailto:wijk@example.nl)."
    )
    assert "<h3>Kop</h3>" in html and "<h4>Tussenkop</h4>" in html
    assert "<strong>leeft</strong>" in html and "<em>groeit</em>" in html
    assert "<ul><li>een</li>" in html.replace("\n", "") and "<ol><li>eerst</li>" in html.replace("\n", "")
    assert '<a href="https://www.s-hertogenbosch.nl/wijken" rel="noopener">de gemeente</a>' in html
    assert 'href="mailto:wijk@example.nl"' in html


def test_it_renders_a_simple_table():
    html = render_richtext("| Wijk | Inwoners |\n|---|---|\n| Boschveld | 3.723 |\n| Het Zand | 2.588 |")
    assert '<table class="text-table"><thead><tr><th scope="col">Wijk</th>' in html
    assert "<td>3.723</td>" in html and html.count("<tr>") == 3


def test_nothing_typed_becomes_markup():
    html = render_richtext(
        '[x](javascript:alert(1)) [y](https://a.nl/"onmouseover="alert(1)) <script>alert(1)</script> *<b>x</b>*'
    )
    assert "javascript:" not in html.split("[x]")[0] and 'href="javascript' not in html
    assert "<script>" not in html and "<b>" not in html
    assert 'onmouseover="' not in html  # the quote is escaped, so it cannot end the address
