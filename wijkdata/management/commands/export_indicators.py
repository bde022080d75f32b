"""python manage.py export_indicators --municipality GM0796 [--year YYYY] [--format csv|xlsx] [--out PATH]"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wijkdata.services import indicators_export, municipality_regions


class Command(BaseCommand):
    help = (
        "Schrijft alle cijfers van een gemeente en haar wijken en buurten als lange tabel: "
        "code,name,level,year,indicator,indicator_name,value,missing_reason,unit,source."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality", required=True, help="CBS-gemeentecode, bijvoorbeeld GM0796."
        )
        parser.add_argument("--year", type=int, help="Alleen dit jaar (standaard: alle jaren).")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", help="Bestand om naar te schrijven (standaard: de uitvoer).")

    def handle(self, *args, **options):
        municipality = options["municipality"].strip().upper()
        if not re.fullmatch(r"GM\d{4}", municipality):
            raise CommandError(
                f"'{options['municipality']}' is geen gemeentecode (GM en vier cijfers)."
            )
        if not municipality_regions(municipality=municipality, year=options["year"]).exists():
            year = f" in {options['year']}" if options["year"] else ""
            raise CommandError(f"Er zijn geen gegevens van {municipality}{year}.")
        if options["format"] == "xlsx" and not options["out"]:
            raise CommandError("Een Excel-bestand kan alleen naar een bestand: geef --out PAD.")
        data = indicators_export(
            municipality=municipality, year=options["year"], format=options["format"]
        )
        if options["out"]:
            Path(options["out"]).write_bytes(data)
            self.stderr.write(f"Geschreven: {options['out']}")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
