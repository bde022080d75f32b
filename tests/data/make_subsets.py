"""Make the small real-data files under tests/data/ from the full files in ../shared/data/.

    .venv/bin/python tests/data/make_subsets.py [--shared PATH]

Run from the repository root with the shared folder beside the repository (the default
`../shared/data`). Each subset keeps the original's bytes or cells unchanged and only
leaves out rows (see README.md next to this script for what each file holds and why).
The output is deterministic: running it again gives the same files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "data"

# 's-Hertogenbosch (the demo's municipality) and Amersfoort (the second boundary file).
MUNICIPALITIES = ("0796", "0307")


def _is_ours(code: str) -> bool:
    code = code.strip().strip('"').upper()
    return any(
        code == f"GM{m}" or code.startswith((f"WK{m}", f"BU{m}")) for m in MUNICIPALITIES
    )


def kwb_2024(shared: Path) -> None:
    """The national StatLine CSV: header, the Nederland row, both municipalities, Amsterdam's
    first lettered wijk and buurt (codes with letters). Bytes of each kept line unchanged."""
    source = shared / "cbs_kwb_2024" / "Kerncijfers_wijken_en_buurten_2024_geslachten.csv"
    data = source.read_bytes()
    lines = data.split(b"\r\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    kept = [header]
    lettered = {"wk": None, "bu": None}
    for line in body:
        code = line.decode("utf-8").split(";")[3]
        stripped = code.strip().strip('"')
        if stripped.startswith("NL") or _is_ours(stripped):
            kept.append(line)
        elif stripped.startswith("WK0363") and not stripped[6:].isdigit() and not lettered["wk"]:
            lettered["wk"] = line
            kept.append(line)
        elif stripped.startswith("BU0363") and not stripped[6:].isdigit() and not lettered["bu"]:
            lettered["bu"] = line
            kept.append(line)
    target = HERE / "kwb_2024_subset.csv"
    target.write_bytes(b"\r\n".join(kept) + b"\r\n")
    print(f"{target.name}: {len(kept) - 1} of {len(body)} rows")


def health_2020(shared: Path) -> None:
    """The Gezondheidsmonitor 2020 workbook: header, Nederland and 's-Hertogenbosch rows,
    cells as they are (numbers stay numbers, padded texts stay padded)."""
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    source = shared / "gezondheidsmonitor_2020" / "RIVM_gezondheid2020_18+.xlsx"
    workbook = CalamineWorkbook.from_path(str(source))
    (name,) = workbook.sheet_names
    rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    header, body = rows[0], rows[1:]
    code_col = header.index("WijkenEnBuurten")
    kept = [r for r in body if str(r[code_col]).startswith("NL") or _is_ours(str(r[code_col]))]
    kept = [r for r in kept if "0307" not in str(r[code_col])]  # Den Bosch only: smaller
    out = Workbook()
    sheet = out.active
    sheet.title = name
    sheet.append(header)
    for row in kept:
        sheet.append([None if cell == "" else cell for cell in row])
    target = HERE / "gezondheidsmonitor_2020_GM0796.xlsx"
    out.save(target)
    # Fixed timestamps inside the zip would be needed for byte-identical reruns; the
    # cells are what the tests read, and those are identical on every run.
    print(f"{target.name}: {len(kept)} of {len(body)} rows")


def copied(shared: Path) -> None:
    """Files that are already small subsets of their origin: copied as they are."""
    for folder, name in [
        ("cbs_kwb_utrecht_2023", "CBS-Utrecht-kwb-2023.xlsx"),
        ("wijkgrenzen_2024", "wijken_2024_GM0796_s-Hertogenbosch.geojson"),
        ("wijkgrenzen_2024", "wijken_2024_GM0307_Amersfoort.geojson"),
    ]:
        shutil.copyfile(shared / folder / name, HERE / name)
        print(f"{name}: copied")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args()
    if not args.shared.is_dir():
        print(f"{args.shared} not found: the shared data folder must sit beside the repository")
        return 2
    kwb_2024(args.shared)
    health_2020(args.shared)
    copied(args.shared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
