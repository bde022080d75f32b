"""Fill English msgstr entries in locale/en/LC_MESSAGES/django.po from EN below.

Run after `manage.py makemessages -l en`; then `manage.py compilemessages`.
Entries not listed keep their existing translation (or stay Dutch).
"""

import re
from pathlib import Path

EN = {
    "Nederlands": "Nederlands", "English": "English", "Gebiedsplan": "Area plan",
    "Naar de inhoud": "Skip to content", "Hoofdmenu": "Main menu", "Mijn gebieden": "My areas",
    "Beheer": "Administration", "Uitloggen": "Log out", "Inloggen": "Log in",
    "Log in om de gebiedsplannen van jouw gebieden te bekijken.": "Log in to see the area plans of your areas.",
    "Hier beginnen we": "Start here", "Geen": "None", "Gebiedsplan %(year)s": "Area plan %(year)s",
    "Nog geen gebiedsplan voor dit gebied.": "No area plan for this area yet.",
    "Je hebt nog geen rol in een gebied. Vraag de beheerder of netwerkcoördinator om je toe te voegen.":
        "You have no role in any area yet. Ask the administrator or network coordinator to add you.",
    "gemeente": "municipality", "Cijfers": "Figures", "Bron": "Source",
    "Er zijn nog geen cijfers gekozen voor dit plan.": "No figures have been chosen for this plan yet.",
    "Krachten en kansen per thema": "Strengths and opportunities per theme", "Thema": "Theme",
    "Kracht": "Strength", "Kans": "Opportunity",
    "Hoge impact, weinig moeite": "High impact, little effort", "Hoge impact, veel moeite": "High impact, much effort",
    "Lage impact, weinig moeite": "Low impact, little effort", "Lage impact, veel moeite": "Low impact, much effort",
    "Hoge impact": "High impact", "Lage impact": "Low impact", "Weinig moeite": "Little effort", "Veel moeite": "Much effort",
    "Kwantitatief": "Quantitative", "Kwalitatief": "Qualitative", "Nog geen focuspunten.": "No focus points yet.",
    "Proces gebieds- en uitvoeringsplannen": "Process of area and execution plans",
    "Uitvoeringsplannen": "Execution plans", "Advies inhoud uitvoeringsplannen": "Advice on the content of execution plans",
    "Inhoudsopgave": "Table of contents", "Colofon": "Colophon", "Titel": "Title", "Publicatiedatum": "Publication date",
    "Uitgave door": "Published by", "Auteurs": "Authors", "Vormgeving": "Design", "Fotografie": "Photography",
    "Met bijdragen van": "With contributions from", "Copyright": "Copyright",
    "Focus %(year)s – een analyse": "Focus %(year)s – an analysis", "Kenmerken van het gebied": "Characteristics of the area",
    "Het verhaal": "The story", "Krachten en kansen": "Strengths and opportunities",
    "Impact/effort matrix": "Impact/effort matrix", "Tenslotte": "Finally",
    "Concept": "Draft", "Ter review": "In review", "Vastgesteld": "Adopted",
    "Netwerkcoördinator": "Network coordinator", "Facilitator": "Facilitator", "Manager": "Manager",
    "Gebiedsplannen": "Area plans", "Wijkdata": "Neighbourhood data", "Ontwerpsessies": "Design sessions",
}


def fill(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        msgid = match.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        if msgid in EN:
            count += 1
            return f'msgid "{match.group(1)}"\nmsgstr "{EN[msgid]}"'
        return match.group(0)

    text = re.sub(r'^msgid "(.+)"\nmsgstr ".*"$', replace, text, flags=re.M)
    text = text.replace('#, fuzzy\n', '', 1) if count else text
    path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    po = Path(__file__).parent / "en" / "LC_MESSAGES" / "django.po"
    print(f"{fill(po)} entries translated")
