"""Real local services without Docker: an Apache Kafka 4.x KRaft broker and a PostgreSQL cluster.

Used by ``python -m devstack`` for development and by the pytest fixtures.
"""
