-- Expired sign-ins are purged by expiry (DELETE ... WHERE expires_at < now, now and then on
-- sign-in); without this index that was a scan of every sign-in session under the write lock.
CREATE INDEX auth_sessions_expiry ON auth_sessions(expires_at);
