"""The PostgreSQL side of the speed layer: the exactly-once protocol, its connection, start-up checks."""
