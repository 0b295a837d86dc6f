import Foundation
import Hummingbird
import TetherAPI
import TetherCore

/// Turns every error into an `APIErrorBody` with the status its code maps
/// to, so clients always get one readable sentence.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let tetherError = Self.tetherError(error, request: request)
            let status = HTTPResponse.Status(code: APIErrorBody.status(for: tetherError.code))
            return try JSONBody.response(APIErrorBody(tetherError), status: status)
        }
    }

    static func tetherError(_ error: any Error, request: Request) -> TetherError {
        switch error {
        case let error as TetherError:
            return error
        case let error as DecodingError:
            return TetherError(.invalidArgument, "the body of \(request.method) \(request.uri.path) is not the JSON this API expects (\(Self.describe(error))).")
        case let error as HTTPError where error.status == .notFound:
            return TetherError(.notFound, "there is no API at \(request.method) \(request.uri.path).")
        case let error as any HTTPResponseError:
            return TetherError(.invalidArgument, "\(request.method) \(request.uri.path) was refused: \(error.status.reasonPhrase).")
        default:
            return TetherError(.internal, "\(request.method) \(request.uri.path) failed: \(error).")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "field \(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "\(error)"
        }
    }
}

/// JSON response bodies.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `{}`: the answer of calls that only need to succeed, still JSON so that
/// every client decodes every answer the same way.
struct EmptyObject: Codable {}
