"""Data simulator: phones' usage events in the original's exact JSON shape, to Kafka."""
