import Foundation
import TetherAPI
import TetherCore

/// `tether play`: writes a recording's output frames in order, keeping the
/// pauses between frames (divided by `speed`; 0 plays without pauses).
public struct SessionPlayer: Sendable {
    public var speed: Double

    public init(speed: Double) throws(TetherError) {
        guard speed.isFinite, speed >= 0 else {
            throw TetherError(.invalidArgument, "speed \(speed) is not usable; pass a number ≥ 0 (1 plays in real time, 0 without pauses).")
        }
        self.speed = speed
    }

    public func play(_ playback: SessionPlayback, to output: SessionIO.Sink) async throws {
        var previousOffset: Int64 = 0
        for frame in playback.frames {
            if let pause = pause(from: previousOffset, to: frame.offsetMilliseconds) {
                try await Task.sleep(for: pause)
            }
            previousOffset = max(previousOffset, frame.offsetMilliseconds)
            guard frame.kind == "output", let data = frame.data else { continue }
            guard let bytes = Data(base64Encoded: data) else {
                throw TetherError(.malformed, "session \(playback.sessionID) holds an output frame at \(frame.offsetMilliseconds) ms that is not base64; the recording is damaged.")
            }
            try await output(Array(bytes))
        }
    }

    /// How long to wait between two frame offsets at this speed.
    func pause(from previous: Int64, to next: Int64) -> Duration? {
        guard speed > 0, next > previous else { return nil }
        let milliseconds = Double(next &- previous) / speed
        return .milliseconds(Int64(min(milliseconds, 86_400_000)))
    }
}
