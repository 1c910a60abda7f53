-- user_quota_limit is keyed by (timestamp, email), as the seed's table has no user id: two users
-- sharing an email would make an hour's violations collide. One email per user, enforced here.
CREATE UNIQUE INDEX user_metadata_email ON user_metadata (email);
