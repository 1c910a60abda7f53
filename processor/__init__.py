"""Speed layer: a Quix Streams app writing an exactly-once Parquet lake and 5-minute totals."""

import common  # noqa: F401  (first: it quiets a dependency's import-time warning before quixstreams loads)
