import HTTPTypes
import HummingbirdCore
import NIOHTTPTypes
import NIOCore

/// What the one port made of an accepted connection once its protocol is
/// known: an HTTPS API exchange for the async accept loop to serve, or a
/// connection whose NIO pipeline already does all the work (a tunnel, a
/// spliced SSH session, a refusal).
enum ProxyConnection: Sendable {
    case api(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    case handledByPipeline
}
