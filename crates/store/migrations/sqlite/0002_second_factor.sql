-- Optional TOTP second factor (RFC 6238). The secret is what authenticator
-- apps hold too; the last accepted step stops a code being replayed.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE sessions ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE;
