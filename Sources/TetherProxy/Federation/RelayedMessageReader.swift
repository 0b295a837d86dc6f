import NIOCore
import NIOHTTP1
import TetherAPI

/// Reads one relayed HTTP/1.1 message (the leaf's answer at the root, the
/// root's request at the leaf) as a pure state machine: it takes what NIO's
/// decoder made of the stream (parts, the decoder's error, the end of the
/// stream) and says when the message is whole and fit to use, or what is
/// wrong with it. The other cluster is untrusted: `checkHead` vets the head,
/// the body is bounded as it arrives. The first verdict is the only one;
/// what follows it is never read.
struct RelayedMessageReader<RawHead: Equatable, Head> {
    enum Action {
        case none
        case whole(Head, body: ByteBuffer)
        case refuse(RelayProblem)
    }

    private enum State {
        case awaitingHead
        case body(Head, body: ByteBuffer)
        case decided
    }

    /// "answer" or "request", for the sentences.
    private let message: String
    private let checkHead: (RawHead) throws(RelayProblem) -> Head
    /// A problem when a message with this head may carry no body.
    private let bodyRefusal: (Head) -> RelayProblem?
    private var state = State.awaitingHead

    init(
        message: String,
        checkHead: @escaping (RawHead) throws(RelayProblem) -> Head,
        bodyRefusal: @escaping (Head) -> RelayProblem? = { _ in nil }
    ) {
        self.message = message
        self.checkHead = checkHead
        self.bodyRefusal = bodyRefusal
    }

    mutating func read(_ part: HTTPPart<RawHead, ByteBuffer>) -> Action {
        switch (state, part) {
        case (.decided, _):
            return .none
        case (.awaitingHead, .head(let raw)):
            do throws(RelayProblem) {
                state = .body(try checkHead(raw), body: ByteBuffer())
                return .none
            } catch {
                return refuse(error)
            }
        case (.body(let head, var body), .body(var chunk)):
            if let problem = bodyRefusal(head) { return refuse(problem) }
            guard body.readableBytes + chunk.readableBytes <= APIRelay.maximumBody else { return refuse(.bodyTooLarge) }
            state = .decided  // let `body` be the buffer's only reference while it grows
            body.writeBuffer(&chunk)
            state = .body(head, body: body)
            return .none
        case (.body(let head, let body), .end):
            state = .decided
            return .whole(head, body: body)
        case (.awaitingHead, _), (.body, .head):
            // NIO's decoder never yields these; a verdict all the same.
            return refuse(RelayProblem("its parts came out of order"))
        }
    }

    /// The decoder refused the bytes (a malformed start line or field, a second message…).
    mutating func decodingFailed(_ error: any Error) -> Action {
        if case .decided = state { return .none }
        return refuse(.malformed(message, RelayProblem.reason(error)))
    }

    /// The other side ended its half of the stream (the decoder has read what came before).
    mutating func inputClosed() -> Action {
        if case .decided = state { return .none }
        return refuse(RelayProblem("the stream ended before the \(message) was complete"))
    }

    private mutating func refuse(_ problem: RelayProblem) -> Action {
        state = .decided
        return .refuse(problem)
    }
}

extension NIOHTTPDecoderLimitConfiguration {
    /// The head of a relayed message, either way, is bounded by `APIRelay.maximumHead`.
    static var relayedHead: Self {
        var limits = Self()
        (limits.maxHeaderFieldSize, limits.maxHeaderListSize, limits.maxHeaderFieldCount) = (APIRelay.maximumHead, APIRelay.maximumHead, 64)
        return limits
    }
}
