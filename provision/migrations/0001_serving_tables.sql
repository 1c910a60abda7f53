-- The four tables of the original system, with the seed's column names and order.
-- Timestamps are UTC wall-clock values (TIMESTAMP WITHOUT TIME ZONE, as the seed has them).
CREATE TABLE bytes (
    timestamp TIMESTAMP NOT NULL,
    id        TEXT      NOT NULL,
    value     BIGINT    NOT NULL,
    type      TEXT      NOT NULL CHECK (type IN ('user_total_bytes', 'antenna_total_bytes', 'app_total_bytes')),
    PRIMARY KEY (timestamp, type, id)
);
CREATE INDEX bytes_type_id_timestamp ON bytes (type, id, timestamp);

CREATE TABLE bytes_hourly (
    timestamp TIMESTAMP NOT NULL,
    id        TEXT      NOT NULL,
    value     BIGINT    NOT NULL,
    type      TEXT      NOT NULL CHECK (type IN ('user_total_bytes', 'antenna_total_bytes', 'app_total_bytes')),
    PRIMARY KEY (timestamp, type, id)
);
CREATE INDEX bytes_hourly_type_id_timestamp ON bytes_hourly (type, id, timestamp);

CREATE TABLE user_quota_limit (
    email     TEXT      NOT NULL,
    usage     BIGINT    NOT NULL,
    quota     BIGINT    NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    PRIMARY KEY (timestamp, email)
);

CREATE TABLE user_metadata (
    id    TEXT   PRIMARY KEY,
    name  TEXT   NOT NULL,
    email TEXT   NOT NULL,
    quota BIGINT NOT NULL CHECK (quota >= 0)
);
