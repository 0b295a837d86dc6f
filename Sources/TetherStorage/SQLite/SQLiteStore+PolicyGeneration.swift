import GRDB
import TetherCore

extension SQLiteStore {
    /// A number that grows with every change to roles, users or locks, made
    /// by any process (a trigger bumps it in the writing transaction).
    public func policyGeneration() throws(TetherError) -> Int64 {
        try read("read the policy generation") { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM policy_generation WHERE id = 1") ?? 0
        }
    }
}
