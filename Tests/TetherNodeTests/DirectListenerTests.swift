import TetherCore
import TetherNode
import Testing

@Suite struct DirectListenerTests {
    @Test func aTakenPortIsOneSentenceNamingTheAddressAndNodeListen() async throws {
        try await withJoinedNode { _, configuration, _ in
            guard case .direct(let auth, _) = configuration.reachability else {
                Issue.record("the joined node is not a direct node")
                return
            }
            var taken = configuration
            taken.reachability = .direct(authServer: auth, listen: auth)
            let error = await #expect(throws: TetherError.self) { try await NodeService(configuration: taken).run() }
            #expect(error?.message == "node robot-17 cannot listen on \(auth): the port is already in use (another tetherd?); stop what holds it or change node.listen.")
        }
    }
}
