-- Failed sign-ins, counted per (user name as typed, source address) whether
-- the name exists or not, so a guesser is slowed down where it guesses
-- without locking the account for everyone else, and the answers do not
-- tell which names exist. The account-wide lock stays for wrong second-
-- factor codes only (they need the password first).
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TEXT NOT NULL,
    blocked_until TEXT,
    PRIMARY KEY (username, source)
);
CREATE INDEX login_failures_source ON login_failures (source, window_started_at);
