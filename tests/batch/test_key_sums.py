"""Sums per key on dictionary codes: exact whatever the dictionaries, the row order or the batching."""

from __future__ import annotations

import random

import polars as pl
import pyarrow as pa

from batch.key_sums import KEYS, KeySums, key_sums


def table(rows: list[tuple[str, str, int, str]]) -> pa.Table:
    ids, antennas, sizes, apps = (list(c) for c in zip(*rows, strict=True))
    return pa.table({"id": ids, "antenna_id": antennas, "bytes": pa.array(sizes, pa.int64()), "app": apps})


def expected(rows: list[tuple[str, str, int, str]]) -> list[list[tuple[str, int, int]]]:
    frame = table(rows)
    return [sorted(pl.from_arrow(frame).group_by(pl.col(key).alias("id"))  # type: ignore[union-attr]
                   .agg(pl.col("bytes").sum(), pl.len()).rows()) for key in KEYS]


def rows_of(sums: list[pl.DataFrame]) -> list[list[tuple[str, int, int]]]:
    return [sorted(frame.select("id", "value", "events").rows()) for frame in sums]


ROWS = [(f"u{random.Random(i).randrange(50)}", f"a{i % 7}", i * 13 % 10_000, f"APP{i % 3}") for i in range(2_000)]


def test_sums_of_plain_string_columns_match_a_group_by_of_the_strings() -> None:
    assert rows_of(key_sums(table(ROWS).to_batches(max_chunksize=300))) == expected(ROWS)


def test_batches_with_different_dictionaries_are_merged_by_the_strings_they_stand_for() -> None:
    first, second = table(ROWS[:1000]), table(ROWS[1000:][::-1])  # the same keys, codes in another order
    encoded = [pa.table({n: c.dictionary_encode() if n != "bytes" else c for n, c in zip(t.column_names, t.columns, strict=True)})
               for t in (first, second)]
    assert rows_of(key_sums(b for t in encoded for b in t.to_batches())) == expected(ROWS)


def test_rows_grouped_by_id_give_the_same_sums_as_shuffled_rows() -> None:
    grouped = sorted(ROWS)
    assert rows_of(key_sums(table(grouped).to_batches())) == expected(ROWS)


def test_sums_that_float64_could_not_hold_exactly_are_summed_in_slices_exactly() -> None:
    big = [(f"u{i % 3}", f"a{i % 2}", 2**60 + i * 7919, f"APP{i % 2}") for i in range(6)]  # 2**60 * rows > 2**53
    assert rows_of(key_sums([table(big)])) == expected(big)
    sums = KeySums()
    for _ in range(7):  # running totals pass int64's safe bound (7 * 2**61 ...) but each total fits
        sums.add(table([("u", "a", 2**59, "A"), ("v", "b", 2**59, "B")]))
    assert rows_of(sums.totals())[0] == [("u", 7 * 2**59, 7), ("v", 7 * 2**59, 7)]


def test_merging_readers_adds_their_sums() -> None:
    one, two = KeySums(), KeySums()
    for batch in table(ROWS[:700]).to_batches():
        one.add(batch)
    for batch in table(ROWS[700:]).to_batches():
        two.add(batch)
    one.extend(two)
    assert rows_of(one.totals()) == expected(ROWS)


def test_no_batches_give_empty_sums() -> None:
    assert [frame.height for frame in key_sums([])] == [0, 0, 0]


def test_one_batch_of_row_groups_with_different_dictionaries_gives_the_sums_of_the_strings() -> None:
    first, second = table(ROWS[:1000]), table(ROWS[1000:][::-1])
    chunks = {name: pa.chunked_array([first.column(name).combine_chunks().dictionary_encode(),
                                      second.column(name).combine_chunks().dictionary_encode()])
              for name in ("id", "antenna_id", "app")}
    batch = pa.table({**chunks, "bytes": pa.concat_arrays([first.column("bytes").combine_chunks(),
                                                           second.column("bytes").combine_chunks()])})
    assert rows_of(key_sums([batch.select(["id", "antenna_id", "bytes", "app"])])) == expected(ROWS)


def test_more_antenna_and_app_combinations_than_one_pass_takes_are_summed_key_by_key() -> None:
    rows = [(f"u{i % 40}", f"a{i % 300}", i, f"APP{i * 7 % 301}") for i in range(3_000)]  # 300 x 301 pairs
    assert rows_of(key_sums([table(rows)])) == expected(rows)
