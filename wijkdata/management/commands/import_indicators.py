"""python manage.py import_indicators PATH [--sheet NAME] [--year YYYY] [--source TEXT]
[--municipality GMxxxx] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from wijkdata.importing.problems import ImportRefused
from wijkdata.services import indicators_import, scope_for


class Command(BaseCommand):
    help = (
        "Leest een bestand met cijfers per gemeente, wijk en buurt in (CBS StatLine-export, "
        "CBS kwb-tabel, Gezondheidsmonitor, een eigen tabel als CSV of Excel, of GeoJSON met "
        "wijkgrenzen). Alles of niets: bij een probleem wordt niets opgeslagen."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Het bestand (CSV, XLSX of GeoJSON).")
        parser.add_argument("--sheet", help="Het werkblad van een Excel-bestand.")
        parser.add_argument(
            "--year", type=int, help="Het jaar van de cijfers, als het bestand het niet noemt."
        )
        parser.add_argument("--source", help="De bron, zoals die bij de cijfers komt te staan.")
        parser.add_argument(
            "--municipality",
            help="Alleen de gebieden van deze gemeente inlezen (GM en vier cijfers); "
            "zonder deze optie alles in het bestand.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Alleen controleren en tellen; niets opslaan."
        )
        parser.add_argument(
            "--max-problems",
            type=int,
            default=200,
            help="Toon hooguit zoveel problemen (standaard 200).",
        )

    def handle(self, *args, **options):
        try:
            scope = scope_for(options["municipality"]) if options["municipality"] else None
            result = indicators_import(
                scope=scope,
                path=options["path"],
                year=options["year"],
                sheet=options["sheet"],
                source=options["source"],
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            raise CommandError(format_refusal(refused, limit=options["max_problems"])) from None
        for line in result.summary_lines():
            self.stdout.write(line)


# The command's own flag for a problem an option resolves (the messages name no flags:
# the same messages are shown on the upload page).
OPTION_FLAGS = {"year": "--year", "sheet": "--sheet", "source": "--source"}


def format_refusal(refused: ImportRefused, *, limit: int = 200) -> str:
    problems = refused.problems
    lines = [
        f"Het bestand is niet ingelezen; er is niets opgeslagen. {len(problems)} probleem/problemen:"
    ]
    lines += [
        f"- {p.message}" + (f" (optie {OPTION_FLAGS[p.option]})" if p.option in OPTION_FLAGS else "")
        for p in problems[:limit]
    ]
    if len(problems) > limit:
        lines.append(f"… en nog {len(problems) - limit} problemen.")
    lines += [f"Let op: {note}" for note in refused.notes]
    return "\n".join(lines)
