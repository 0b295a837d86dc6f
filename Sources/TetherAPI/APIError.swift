import TetherCore

/// The body of every non-2xx answer: the `TetherError` that caused it, so the
/// client shows the server's sentence unchanged.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public var code: String
    public var message: String

    public init(_ error: TetherError) {
        code = error.code.rawValue
        message = error.message
    }

    public var error: TetherError { TetherError(TetherError.Code(rawValue: code), message) }

    /// The HTTP status a given error code is answered with.
    public static func status(for code: TetherError.Code) -> Int {
        switch code {
        case .invalidArgument, .malformed, .unsupported: 400
        case .verificationFailed, .expired: 401
        case .accessDenied: 403
        case .notFound: 404
        case .alreadyExists: 409
        case .invalidResponse: 502
        case .unavailable: 503
        default: 500
        }
    }
}
