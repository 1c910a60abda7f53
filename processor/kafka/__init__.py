"""Every coupling of the speed layer to Quix Streams and confluent-kafka lives in this folder.

``application`` (the Quix app and its resume-from-PostgreSQL hook), ``sink`` (the Quix sink that hands
checkpoints to ``checkpoint.CheckpointApplier``), ``dead_letters`` (the DLQ producer). A Quix upgrade
touches this folder only; ``tests/processor/test_quix_coupling.py`` guards the private hook.
"""
