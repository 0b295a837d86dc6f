import GRDB
import TetherCore

/// The database schema, as versioned migrations. Applied migrations are
/// recorded in the file, so opening an up-to-date database changes nothing.
/// Never edit a shipped migration: add a new one.
enum SQLiteSchema {
    static func migrate(_ writer: some DatabaseWriter) throws {
        let migrator = makeMigrator()
        if try writer.read(migrator.hasBeenSuperseded) {
            throw TetherError(.storage, "the database was written by a newer version of Tether; upgrade this binary before opening it.")
        }
        try migrator.migrate(writer)
    }

    private static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-resources") { db in
            try db.execute(sql: """
                CREATE TABLE resource (
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    json TEXT NOT NULL CHECK (json_valid(json)),
                    expires_ms INTEGER,
                    PRIMARY KEY (kind, name)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v1-audit") { db in
            // `json` holds the exact hashed bytes; the other columns are
            // copies of its fields for indexed search, checked by verify.
            try db.execute(sql: """
                CREATE TABLE audit_event (
                    seq INTEGER PRIMARY KEY,
                    time_ms INTEGER NOT NULL,
                    event_type TEXT NOT NULL,
                    user_name TEXT,
                    node_name TEXT,
                    session_id TEXT,
                    node_labels TEXT,
                    json TEXT NOT NULL,
                    hash BLOB NOT NULL
                );
                CREATE INDEX audit_event_by_time ON audit_event (time_ms);
                CREATE INDEX audit_event_by_type ON audit_event (event_type, time_ms);
                CREATE INDEX audit_event_by_user ON audit_event (user_name, time_ms);
                CREATE INDEX audit_event_by_node ON audit_event (node_name, time_ms);
                CREATE INDEX audit_event_by_session ON audit_event (session_id);
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                BEGIN
                    SELECT RAISE(ABORT, 'the audit log is append-only: its records cannot be updated');
                END;
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                BEGIN
                    SELECT RAISE(ABORT, 'the audit log is append-only: its records cannot be deleted');
                END;
                """)
        }
        migrator.registerMigration("v2-audit-spool-cursor") { db in
            // The highest spool seq stored per source (a node's host ID), so
            // that a re-sent batch is recognised: see `appendSpooled`.
            try db.execute(sql: """
                CREATE TABLE audit_spool_cursor (
                    source TEXT PRIMARY KEY,
                    spool_seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-policy-generation") { db in
            // Bumped by every write to what nodes decide logins with (roles,
            // users, locks), whichever process wrote it (tetherctl writes the
            // file directly), so the auth service sees a change by reading one
            // row: see `SQLiteStore.policyGeneration`.
            try db.execute(sql: """
                CREATE TABLE policy_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                INSERT INTO policy_generation (id, value) VALUES (1, 1);
                CREATE TRIGGER policy_generation_on_insert AFTER INSERT ON resource
                WHEN NEW.kind IN ('role', 'user', 'lock')
                BEGIN UPDATE policy_generation SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER policy_generation_on_update AFTER UPDATE ON resource
                WHEN NEW.kind IN ('role', 'user', 'lock') OR OLD.kind IN ('role', 'user', 'lock')
                BEGIN UPDATE policy_generation SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER policy_generation_on_delete AFTER DELETE ON resource
                WHEN OLD.kind IN ('role', 'user', 'lock')
                BEGIN UPDATE policy_generation SET value = value + 1 WHERE id = 1; END;
                """)
        }
        migrator.registerMigration("v5-federation-ca-namespaces") { db in
            // Foreign CAs were `TYPE@CLUSTER` for trusted roots and registered
            // leaves alike, so a leaf named like a root replaced the root's.
            // They move to `root.TYPE@CLUSTER` and `leaf.TYPE@CLUSTER`. A name
            // both a root and a leaf hold is that attack's trace: its CAs
            // cannot be told apart and are dropped, so neither is trusted
            // until an administrator establishes it again.
            try db.execute(sql: """
                CREATE TEMP TABLE foreign_ca AS
                    SELECT name, substr(name, instr(name, '@') + 1) AS cluster,
                        (substr(name, instr(name, '@') + 1) IN (SELECT name FROM resource WHERE kind = 'trusted_cluster')) AS is_root,
                        (substr(name, instr(name, '@') + 1) IN (SELECT name FROM resource WHERE kind = 'remote_cluster')) AS is_leaf
                    FROM resource WHERE kind = 'cert_authority' AND instr(name, '@') > 0;
                DELETE FROM resource WHERE kind = 'cert_authority'
                    AND name IN (SELECT name FROM foreign_ca WHERE is_root AND is_leaf);
                UPDATE resource SET name = 'root.' || name, json = json_set(json, '$.metadata.name', 'root.' || name)
                    WHERE kind = 'cert_authority' AND name IN (SELECT name FROM foreign_ca WHERE is_root AND NOT is_leaf);
                UPDATE resource SET name = 'leaf.' || name, json = json_set(json, '$.metadata.name', 'leaf.' || name)
                    WHERE kind = 'cert_authority' AND name IN (SELECT name FROM foreign_ca WHERE is_leaf AND NOT is_root);
                DROP TABLE foreign_ca;
                """)
        }
        migrator.registerMigration("v6-audit-spool-epoch") { db in
            // The spool epoch the cursor counts in: a node's spool created
            // anew starts again at seq 1 under a new epoch.
            try db.execute(sql: "ALTER TABLE audit_spool_cursor ADD COLUMN epoch TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v7-node-host-id-index") { db in
            // Nodes speak by host id (their certificates name nothing else).
            try db.execute(sql: """
                CREATE INDEX resource_node_host_id ON resource (json_extract(json, '$.spec.host_id')) WHERE kind = 'node';
                """)
        }
        return migrator
    }
}
