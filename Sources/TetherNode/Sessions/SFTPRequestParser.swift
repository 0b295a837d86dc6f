import TetherCore
import TetherIdentity

/// An SFTP request that changes or opens something, as the audit names it.
/// Paths are the client's bytes (SFTP v3 names are not required to be
/// UTF-8), decoded with replacement characters so an odd name is still audited.
enum SFTPRequest: Equatable, Sendable {
    case open(path: String, flags: SFTPOpenFlags)
    case remove(path: String)
    case rename(from: String, to: String)
    case makeDirectory(path: String)
    case removeDirectory(path: String)
    case setAttributes(path: String, SFTPAttributes)
    /// `path` is the new link, `target` what it points to.
    case symlink(path: String, target: String)
    case hardLink(path: String, target: String)
}

/// SSH_FXF_* open flags.
struct SFTPOpenFlags: OptionSet, Sendable {
    let rawValue: UInt32
    static let read = SFTPOpenFlags(rawValue: 0x01)
    static let write = SFTPOpenFlags(rawValue: 0x02)
    static let append = SFTPOpenFlags(rawValue: 0x04)
    static let create = SFTPOpenFlags(rawValue: 0x08)
    static let truncate = SFTPOpenFlags(rawValue: 0x10)
    static let exclusive = SFTPOpenFlags(rawValue: 0x20)

    static let names: [(SFTPOpenFlags, String)] = [
        (.read, "read"), (.write, "write"), (.append, "append"), (.create, "create"), (.truncate, "truncate"), (.exclusive, "exclusive"),
    ]
}

/// The ATTRS a setstat changes (only the fields present are set).
struct SFTPAttributes: Equatable, Sendable {
    var size: UInt64?
    var uid: UInt32?
    var gid: UInt32?
    var permissions: UInt32?
    var accessTime: UInt32?
    var modificationTime: UInt32?
}

/// Reads the client→server half of an SFTP session (draft-ietf-secsh-filexfer-02,
/// version 3, as OpenSSH speaks it) incrementally, as the bytes arrive in
/// whatever pieces the channel delivers, and returns the requests the audit
/// names. The bytes are untrusted: a packet longer than any server accepts,
/// or one whose fields do not fit it, stops the parser for good (`failure`
/// says why) without affecting the transfer. Only the bodies of audited
/// packets are kept, so file data (WRITE) passes through without being copied.
struct SFTPRequestParser: Sendable {
    /// OpenSSH's sftp-server refuses longer packets (SFTP_MAX_MSG_LENGTH),
    /// so this also bounds the buffer.
    static let maximumPacketLength = 256 * 1024

    private enum PacketType {
        static let open: UInt8 = 3
        static let setstat: UInt8 = 9
        static let remove: UInt8 = 13
        static let mkdir: UInt8 = 14
        static let rmdir: UInt8 = 15
        static let rename: UInt8 = 18
        static let symlink: UInt8 = 20
        static let extended: UInt8 = 200
        static let audited: Set<UInt8> = [open, setstat, remove, mkdir, rmdir, rename, symlink, extended]
    }

    private enum Phase {
        /// Collecting the uint32 length and the type byte.
        case header
        case body(type: UInt8, remaining: Int, kept: Bool)
    }

    private static let headerLength = 5
    private var phase = Phase.header
    /// The header so far, then the body of an audited packet.
    private var pending: [UInt8] = []
    /// Why parsing stopped; nil while it runs.
    private(set) var failure: String?

    mutating func feed<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> [SFTPRequest] {
        var requests: [SFTPRequest] = []
        var index = bytes.startIndex
        while index != bytes.endIndex, failure == nil {
            let available = bytes.distance(from: index, to: bytes.endIndex)
            switch phase {
            case .header:
                let take = min(Self.headerLength - pending.count, available)
                let end = bytes.index(index, offsetBy: take)
                pending.append(contentsOf: bytes[index..<end])
                index = end
                if pending.count == Self.headerLength { startBody() }
            case .body(let type, let remaining, let kept):
                let take = min(remaining, available)
                let end = bytes.index(index, offsetBy: take)
                if kept { pending.append(contentsOf: bytes[index..<end]) }
                index = end
                phase = .body(type: type, remaining: remaining - take, kept: kept)
            }
            if case .body(let type, 0, let kept) = phase {
                if kept, let request = decode(type: type) { requests.append(request) }
                pending = []
                phase = .header
            }
        }
        return requests
    }

    private mutating func startBody() {
        let length = pending.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let type = pending[4]
        pending = []
        guard length >= 1, length <= Self.maximumPacketLength else {
            failure = "the client sent an SFTP packet of \(length) bytes, outside 1...\(Self.maximumPacketLength)"
            return
        }
        let kept = PacketType.audited.contains(type)
        if kept { pending.reserveCapacity(length - 1) }
        phase = .body(type: type, remaining: length - 1, kept: kept)
    }

    /// The request in `pending`, a whole body of an audited type; nil for
    /// an extension the audit does not name.
    private mutating func decode(type: UInt8) -> SFTPRequest? {
        var reader = SSHWireReader(pending, context: "an SFTP request")
        do throws(TetherError) {
            _ = try reader.readUInt32()  // request id
            switch type {
            case PacketType.open:
                let path = try reader.readPath()
                return .open(path: path, flags: SFTPOpenFlags(rawValue: try reader.readUInt32()))
            case PacketType.setstat: return .setAttributes(path: try reader.readPath(), try reader.readAttributes())
            case PacketType.remove: return .remove(path: try reader.readPath())
            case PacketType.mkdir: return .makeDirectory(path: try reader.readPath())
            case PacketType.rmdir: return .removeDirectory(path: try reader.readPath())
            case PacketType.rename: return .rename(from: try reader.readPath(), to: try reader.readPath())
            case PacketType.symlink:
                // OpenSSH sends the target first, the reverse of the draft (its PROTOCOL file, "sftp: Reversal of arguments").
                let target = try reader.readPath()
                return .symlink(path: try reader.readPath(), target: target)
            default: return try decodeExtended(&reader)
            }
        } catch {
            failure = error.message
            return nil
        }
    }

    private func decodeExtended(_ reader: inout SSHWireReader) throws(TetherError) -> SFTPRequest? {
        switch try reader.readPath() {
        case "posix-rename@openssh.com":
            return .rename(from: try reader.readPath(), to: try reader.readPath())
        case "hardlink@openssh.com":
            let target = try reader.readPath()
            return .hardLink(path: try reader.readPath(), target: target)
        case "lsetstat@openssh.com":
            return .setAttributes(path: try reader.readPath(), try reader.readAttributes())
        default:
            return nil
        }
    }
}

private extension SSHWireReader {
    mutating func readPath() throws(TetherError) -> String {
        String(decoding: try readString(), as: UTF8.self)
    }

    /// ATTRS up to the times; extended attributes, which come last, are not needed.
    mutating func readAttributes() throws(TetherError) -> SFTPAttributes {
        let flags = try readUInt32()
        var attributes = SFTPAttributes()
        if flags & 0x1 != 0 { attributes.size = try readUInt64() }
        if flags & 0x2 != 0 {
            attributes.uid = try readUInt32()
            attributes.gid = try readUInt32()
        }
        if flags & 0x4 != 0 { attributes.permissions = try readUInt32() }
        if flags & 0x8 != 0 {
            attributes.accessTime = try readUInt32()
            attributes.modificationTime = try readUInt32()
        }
        return attributes
    }
}
