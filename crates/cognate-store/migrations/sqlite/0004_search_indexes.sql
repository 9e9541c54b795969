-- ListUsers filters: each searchable column indexed together with the username
-- key, so one index both finds the matching users and returns them in page order.
DROP INDEX users_username;
DROP INDEX users_email;
DROP INDEX users_phone;
DROP INDEX users_name;
DROP INDEX users_given_name;
DROP INDEX users_family_name;
DROP INDEX users_preferred_username;
DROP INDEX users_status;
DROP INDEX users_enabled;
CREATE INDEX users_email ON users(pool_id, email, username_key);
CREATE INDEX users_phone ON users(pool_id, phone_number, username_key);
CREATE INDEX users_name ON users(pool_id, name, username_key);
CREATE INDEX users_given_name ON users(pool_id, given_name, username_key);
CREATE INDEX users_family_name ON users(pool_id, family_name, username_key);
CREATE INDEX users_preferred_username ON users(pool_id, preferred_username, username_key);
CREATE INDEX users_status ON users(pool_id, status, username_key);
CREATE INDEX users_enabled ON users(pool_id, enabled, username_key);
CREATE INDEX users_sub_key ON users(pool_id, sub, username_key);
