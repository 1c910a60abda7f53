"""Staging: where a partition's committed events wait between a checkpoint and the lake.

One design serves both lakes, Flink's split of a sink into a writer and a committer: in the
checkpoint's transaction a ``StagingWriter`` stages the batch and records its offset range as a row of
``processor_staging`` (``rows.py``); later the ``Publisher`` (``publisher.py``) records a range in
``processor_publishing``, writes its hour files into the lake, and deletes the rows. Only the place of
the events differs: ``folder.py`` keeps them as files in ``DATA_DIR`` (``files.py``) next to a lake in a
folder; ``bucket.py`` keeps them in the rows, for a lake in a bucket. ``choice.py`` picks one at start-up.
"""
