"""Re-imports compare the file with the stored figures a piece at a time (bounded memory):
the outcome is the same whatever the size of the pieces."""

import numpy as np
import pandas as pd
import pytest

from wijkdata.importing import planning
from wijkdata.models import IndicatorValue
from wijkdata.services import indicators_import

pytestmark = pytest.mark.django_db

FIRST = (
    "Codering;Jaar;Aantal inwoners;Mannen\n"
    "GM0034;2023;100;50\nGM0034;2024;110;55\n"
    "WK003401;2023;40;20\nWK003401;2024;44;.\n"
    "BU00340101;2024;10;5\n"
)
SECOND = (
    "Codering;Jaar;Aantal inwoners;Mannen\n"
    "GM0034;2023;100;50\nGM0034;2024;111;55\n"  # one figure changed
    "WK003401;2023;40;20\nWK003401;2024;44;22\n"  # a missing figure now known
    "BU00340101;2024;10;5\nBU00340102;2024;7;3\n"  # a new region's figures
)


@pytest.mark.parametrize("chunk", [1, 2, 5000])
def test_pieces_of_any_size_give_the_same_comparison(monkeypatch, chunk):
    monkeypatch.setattr(planning, "EXISTING_CHUNK", chunk)
    indicators_import(data=FIRST.encode(), file_name="a.csv")
    assert IndicatorValue.objects.count() == 10
    again = indicators_import(data=FIRST.encode(), file_name="a.csv", dry_run=True)
    assert again.counts["values_unchanged"] == 10
    assert again.counts["values_changed"] == again.counts["values_new"] == 0
    result = indicators_import(data=SECOND.encode(), file_name="b.csv", dry_run=True)
    counts = result.counts
    assert (counts["values_new"], counts["values_changed"], counts["values_unchanged"]) == (
        2,
        2,
        8,
    )
    changed = result.plan.values_changed
    shown = sorted(
        zip(
            changed["code"].astype(str),
            changed["year"].astype(int),
            changed["indicator_code"].astype(str),
            strict=True,
        )
    )
    assert shown == [("GM0034", 2024, "inwoners"), ("WK003401", 2024, "mannen")]
    by_code = {row.code: row for row in changed.itertuples(index=False)}
    assert by_code["GM0034"].old_value == 110 and by_code["GM0034"].value == 111
    assert np.isnan(by_code["WK003401"].old_value) and by_code["WK003401"].old_reason != ""
    assert set(changed["id"]) <= set(IndicatorValue.objects.values_list("id", flat=True))


def test_the_key_index_pairs_every_row_of_a_key_the_file_holds_twice():
    frame = pd.DataFrame(
        {
            "neighbourhood_id": pd.array([5, 7, 5, None, 9], dtype="Int64"),
            "indicator_id": pd.array([1, 1, 1, 1, 2], dtype="Int32"),
        }
    )
    known = frame.notna().all(axis=1).to_numpy()
    index = planning._KeyIndex(frame, ("neighbourhood_id", "indicator_id"), known)
    theirs, mine = index.lookup([np.array([7, 5, 9, 9, 4]), np.array([1, 1, 1, 2, 1])])
    pairs = sorted(zip(theirs.tolist(), mine.tolist(), strict=True))
    assert pairs == [(0, 1), (1, 0), (1, 2), (3, 4)]
