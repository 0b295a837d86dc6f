import Foundation
import Logging
import NIOCore
import NIOPosix
import TetherAPI
import TetherCore
import TetherTunnel

/// The root proxy's half of federated locks: sends this cluster's lock set
/// (`RootLockPush`) over the tunnel each leaf's proxy holds, whenever the
/// set may have changed (the auth service's policy watch) and whenever a
/// leaf's tunnel comes up, so a lock on a root user applies in every leaf
/// within a watch period plus one round trip. A leaf that missed a push
/// (tunnel down, a refusal) is tried again after `retry`.
struct LeafLockPublisher: Sendable {
    let federation: any FederationAuthority
    let leaves: LeafDirectory
    let relay: LeafRelay
    /// Names of leaves whose tunnel just came up.
    let linkedLeaves: AsyncStream<String>
    let eventLoop: any EventLoop
    let logger: Logger
    var retry: Duration = .seconds(1)

    /// Why the publisher wakes up.
    private enum Wakeup: Sendable {
        case policyChanged
        case linked(String)
        case retry
    }

    func run() async {
        let (wakeups, wake) = AsyncStream.makeStream(of: Wakeup.self)
        await withDiscardingTaskGroup { tasks in
            tasks.addTask { await watchPolicy(wake) }
            tasks.addTask {
                for await leaf in linkedLeaves { wake.yield(.linked(leaf)) }
            }
            /// The generation each leaf holds, as far as this proxy knows.
            var delivered: [String: Int64] = [:]
            var retryPending = false
            for await wakeup in wakeups {
                switch wakeup {
                case .linked(let leaf): delivered[leaf] = nil
                case .retry: retryPending = false
                case .policyChanged: break
                }
                let set: RootLockSet
                do {
                    set = try await offload { try federation.lockSetForLeaves() }
                } catch {
                    logger.warning("cannot read the lock set for the leaves", metadata: ["error": "\(error)"])
                    continue
                }
                var missed = false
                for leaf in leaves.names where delivered[leaf] != set.generation && leaves.isOnline(leaf) {
                    do {
                        try await push(set, to: leaf)
                        delivered[leaf] = set.generation
                    } catch {
                        missed = true
                        logger.warning("cannot send the lock set to a leaf", metadata: ["leaf": "\(leaf)", "error": "\(error)"])
                    }
                }
                if missed, !retryPending {
                    retryPending = true
                    tasks.addTask {
                        try? await Task.sleep(for: retry)
                        wake.yield(.retry)
                    }
                }
            }
            tasks.cancelAll()
        }
    }

    /// Wakes the publisher each time the auth service's policy generation moves.
    private func watchPolicy(_ wake: AsyncStream<Wakeup>.Continuation) async {
        var known = (try? await offload { try federation.lockSetForLeaves().generation }) ?? 0
        await repeatUntilCancelled {
            await federation.waitForPolicyChange(from: known, limit: AccessPolicyQuery.longestHold)
            if let now = try? await offload({ try federation.lockSetForLeaves().generation }), now != known {
                known = now
                wake.yield(.policyChanged)
            }
            return .zero
        }
        wake.finish()
    }

    /// One push: the set as the stream's data, the leaf's receipt as its answer.
    private func push(_ set: RootLockSet, to leaf: String) async throws {
        let answered = eventLoop.makePromise(of: ByteBuffer.self)
        let stream: Channel
        do {
            stream = try await relay.openStream(to: leaf, request: TunnelStreamRequest(path: RootLockPush.streamPath, metadata: [:]), on: eventLoop) { stream in
                try stream.pipeline.syncOperations.addHandler(StreamCollector(maximumBytes: 64 << 10, completing: answered))
            }.get()
        } catch {
            answered.fail(error)
            throw error
        }
        let deadline = eventLoop.scheduleTask(in: .seconds(10)) {
            answered.fail(TetherError(.unavailable, "cluster \(leaf) did not take the lock set within 10 seconds."))
        }
        defer {
            deadline.cancel()
            stream.close(promise: nil)
        }
        stream.write(ByteBuffer(bytes: try JSONEncoder().encode(set)), promise: nil)
        try await stream.close(mode: .output)
        let answer = try await answered.futureResult.get()
        guard (try? JSONDecoder().decode(RootLockSetReceipt.self, from: Data(answer.readableBytesView))) != nil else {
            throw TetherError(.malformed, "cluster \(leaf) answered the lock set with something unreadable.")
        }
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
