"""Place names are never hyphenated, and "'s-Hertogenbosch" never breaks after "'s-"."""

from plans.richtext import bind_proper_names, render_richtext

NAME = '<span class="proper-name">'


def test_it_keeps_s_hertogenbosch_whole():
    html = render_richtext("De gemeente 's-Hertogenbosch, en ’s-Gravenhage.")
    assert f"{NAME}&#x27;s-Hertogenbosch,</span>" in html
    assert f"{NAME}’s-Gravenhage.</span>" in html


def test_it_binds_names_inside_a_sentence_but_not_its_first_word():
    html = render_richtext("Bewoners van Spoorzone (Boschveld, Paleiswartier) en de GGD.")
    assert html.startswith("<p>Bewoners van ")
    for name in ("Spoorzone", "(Boschveld,", "Paleiswartier)", "GGD."):
        assert f"{NAME}{name}</span>" in html
    assert f"{NAME}van" not in html and f"{NAME}Bewoners" not in html


def test_it_binds_inside_bold_without_breaking_the_markup():
    html = render_richtext("Wij werken in **Binnenstad en Spoorzone** samen.")
    assert f"<strong>{NAME}Binnenstad</span> en {NAME}Spoorzone</span></strong>" in html


def test_it_never_turns_user_text_into_markup():
    html = render_richtext('In Oost <script>alert("x")</script> & "Noord" &amp;')
    assert "<script>" not in html
    assert f"{NAME}&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span>" not in html
    assert "&amp; " in html and "&amp;amp;" in html
    assert f"{NAME}&quot;Noord&quot;</span>" in html


def test_it_escapes_plain_text_and_leaves_safe_html_tags_alone():
    assert bind_proper_names("Samen maken wij 's-Hertogenbosch <b>sterker</b>!") == (
        f"Samen maken wij {NAME}&#x27;s-Hertogenbosch</span> &lt;b&gt;sterker&lt;/b&gt;!"
    )
    once = render_richtext("**Gezond** leven in Oost en 's-Hertogenbosch")
    assert bind_proper_names(once) == once
    assert bind_proper_names(render_richtext("plan")) == "<p>plan</p>"
