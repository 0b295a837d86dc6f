/// Something a test starts and must stop again, awaiting its processes.
public protocol StoppableFixture: AnyObject {
    func stop() async
}

extension StoppableFixture {
    /// Runs `body` with this fixture, then stops it whether or not `body`
    /// threw: the awaited `defer` a test needs, which Swift's `defer`
    /// (no `await` inside) cannot be, and which must not block one of the
    /// few concurrency threads while processes shut down.
    public func use(_ body: (Self) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }
}
