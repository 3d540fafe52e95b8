-- A counter bumped by every change to a sign-in token, so the server's
-- token cache hears of it. The server watches the writer's changes with
-- SQLite's update hook, which does not report WITHOUT ROWID tables (the
-- token tables are), but does report what their triggers change here. A
-- deletion by any statement, in any module, is seen; none has to say so.
CREATE TABLE credential_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL
) STRICT;
INSERT INTO credential_changes (id, count) VALUES (1, 0);

CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
BEGIN UPDATE credential_changes SET count = count + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_updated AFTER UPDATE ON sessions
BEGIN UPDATE credential_changes SET count = count + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens
BEGIN UPDATE credential_changes SET count = count + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_updated AFTER UPDATE ON api_tokens
BEGIN UPDATE credential_changes SET count = count + 1 WHERE id = 1; END;
