/// Comparisons whose duration does not depend on where inputs differ, for
/// secrets a network peer could otherwise guess byte by byte.
enum ConstantTime {
    static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
