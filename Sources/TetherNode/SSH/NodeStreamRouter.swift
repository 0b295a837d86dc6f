import TetherAPI
import TetherCore
import TetherTunnel

/// Answers the tunnel streams the proxy opens: `/v1/ssh` with the user's
/// certificate as metadata. A certificate that could never be admitted is
/// refused here, before SSH starts, so the user reads why.
struct NodeStreamRouter: ImmediateTunnelStreamRouter {
    let server: NodeSSHServer

    func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService {
        guard request.path == ResourceStreamRequest.Kind.ssh.path else {
            throw TetherError(.notFound, "this node serves \(ResourceStreamRequest.Kind.ssh.path) only, not \(request.path).")
        }
        let session = try ResourceStreamRequest(decoding: request)
        let remoteAddress = session.clientAddress
        switch server.gate.precheck(session.certificate, node: server.nodeTarget) {
        case .failure(let denial):
            server.auditor.loginRefused(denial, remoteAddress: remoteAddress)
            throw denial.error
        case .success(let certificate):
            let server = server
            return { channel in try server.serve(on: channel, certificate: certificate, remoteAddress: remoteAddress) }
        }
    }
}
