"""Place names are never hyphenated, and "'s-Hertogenbosch" never breaks after "'s-"."""

from plans.richtext import bind_proper_names
from plans.templatetags.plan_text import richtext

NAME = '<span class="proper-name">'
WHOLE = '<span class="proper-name__whole">'


def test_it_keeps_s_hertogenbosch_whole():
    html = richtext("<p>De gemeente 's-Hertogenbosch, en ’s-Gravenhage.</p>")
    assert f"gemeente{NAME} {WHOLE}'s-Hertogenbosch,</span></span>" in html
    assert f"en{NAME} {WHOLE}’s-Gravenhage.</span></span>" in html


def test_it_binds_names_inside_a_sentence_but_not_its_first_word():
    html = richtext("<p>Bewoners van Spoorzone (Boschveld, Paleiswartier) en de GGD.</p>")
    assert html.startswith("<p>Bewoners van")
    for name in ("Spoorzone", "(Boschveld,", "Paleiswartier)", "GGD."):
        assert f"{NAME} {name}</span>" in html
    assert f"{NAME} van" not in html and f"{NAME}Bewoners" not in html


def test_it_puts_the_space_before_a_name_inside_its_span():
    # WeasyPrint breaks lines too early when the space sits outside the span.
    assert richtext("<p>laag in de Spoorzone (5,9)</p>") == f"<p>laag in de{NAME} Spoorzone</span> (5,9)</p>"


def test_it_binds_inside_bold_without_breaking_the_markup():
    html = richtext("<p>Wij werken in <strong>Binnenstad en Spoorzone</strong> samen.</p>")
    assert f"in <strong>{NAME}Binnenstad</span> en{NAME} Spoorzone</span></strong> samen." in html


def test_it_never_turns_plain_text_into_markup():
    html = richtext('In Oost <script>alert("x")</script> & "Noord" &amp;')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f"&amp;{NAME} \"Noord\"</span> &amp;amp;" in html


def test_it_escapes_plain_text_and_leaves_safe_html_tags_alone():
    assert bind_proper_names("Samen maken wij 's-Hertogenbosch <b>sterker</b>!") == (
        f"Samen maken wij{NAME} {WHOLE}&#x27;s-Hertogenbosch</span></span>"
        " &lt;b&gt;sterker&lt;/b&gt;!"
    )
    once = richtext("<p><strong>Gezond</strong> leven in Oost en 's-Hertogenbosch</p>")
    assert bind_proper_names(once) == once
    assert richtext("plan") == "<p>plan</p>"
