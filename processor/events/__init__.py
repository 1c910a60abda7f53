"""The speed layer's pure core: raw messages into typed events or dead letters, and 5-minute totals.

No I/O here: ``parse`` (one message at a time, the careful path), ``vectorized`` (a whole clean
batch at once), ``windows`` (tumbling totals and lateness).
"""
