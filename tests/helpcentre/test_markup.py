from monquartier.helpcentre.markup import plain_text, render


def test_blank_lines_make_paragraphs_and_lines_of_a_paragraph_join():
    assert render("Un.\nDeux.\n\nTrois.") == "<p>Un. Deux.</p>\n<p>Trois.</p>"


def test_dashes_make_a_list_and_numbers_a_numbered_list():
    html = render("Vous pouvez :\n\n- écrire ;\n- appeler.\n\n1. Ouvrez.\n2. Touchez.")
    assert "<ul><li>écrire ;</li><li>appeler.</li></ul>" in html
    assert "<ol><li>Ouvrez.</li><li>Touchez.</li></ol>" in html


def test_a_block_mixing_list_lines_and_text_stays_a_paragraph():
    assert render("- un\ndeux").startswith("<p>- un deux</p>")


def test_html_is_escaped_everywhere():
    html = render("<script>alert(1)</script>\n\n- <b>gras</b>\n\n[<img src=x>](/aide/)")
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="/aide/">&lt;img src=x&gt;</a>' in html


def test_only_paths_of_this_site_become_links():
    for outside in (
        "[site](https://example.com/)",
        "[site](//example.com/)",
        "[site](/\\example.com)",
        "[site](javascript:alert(1))",
        '[site](/aide/" onclick="x)',
    ):
        assert "<a " not in render(outside), outside
    assert render("Voir [la gazette](/aide/gazette/).") == (
        '<p>Voir <a href="/aide/gazette/">la gazette</a>.</p>'
    )


def test_plain_text_drops_the_markup():
    text = "Touchez :\n\n- « Alertes » ;\n1. [Lancer](/alertes/lancer/)."
    assert plain_text(text) == "Touchez : « Alertes » ; Lancer."


def test_windows_line_ends_are_understood():
    assert render("Un.\r\n\r\nDeux.") == "<p>Un.</p>\n<p>Deux.</p>"
