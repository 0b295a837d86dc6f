import Testing
import TetherCore
@testable import TetherIdentity

/// Random damage to valid certificates must never crash parsing or
/// verification, and must never yield a certificate that verifies.
@Suite struct SSHCertificateMutationTests {
    /// xorshift64*: small, seeded, so a failure reproduces from its seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    enum Mutation: CaseIterable {
        case flipBit, truncate, corruptLength, insertByte, deleteByte, overwriteByte
    }

    static func mutate(_ bytes: [UInt8], _ mutation: Mutation, using rng: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        let index = Int.random(in: 0..<bytes.count, using: &rng)
        switch mutation {
        case .flipBit:
            result[index] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case .truncate:
            result.removeSubrange(index...)
        case .corruptLength:
            // Overwrite 4 bytes with a length-like value: tiny, off by one, or huge.
            let start = min(index, bytes.count - 4)
            let value: UInt32 = [0, 1, UInt32(bytes.count), UInt32.max, 0x7FFF_FFFF, UInt32.random(in: 0...512, using: &rng)]
                .randomElement(using: &rng) ?? 0
            for offset in 0..<4 { result[start + offset] = UInt8(truncatingIfNeeded: value >> (24 - 8 * offset)) }
        case .insertByte:
            result.insert(UInt8.random(in: .min ... .max, using: &rng), at: index)
        case .deleteByte:
            result.remove(at: index)
        case .overwriteByte:
            result[index] = UInt8.random(in: .min ... .max, using: &rng)
        }
        return result
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mutatedCertificatesNeverCrashAndNeverVerify(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let caKeys = SSHKeyAlgorithm.allCases.map(SSHPrivateKey.generate)
        let originals = try caKeys.flatMap { ca in
            try SSHKeyAlgorithm.allCases.map { try Fixtures.userCertificate(ca: ca, subject: SSHPrivateKey.generate($0).publicKey) }
        }
        let verifier = SSHCertificateVerifier.user(principal: "root", trustedCAs: Set(caKeys.map(\.publicKey)), clock: Fixtures.clock)

        var parsedButRefused = 0
        for iteration in 0..<1500 {
            let original = originals[iteration % originals.count]
            let mutation = Mutation.allCases[iteration % Mutation.allCases.count]
            let bytes = Self.mutate(original.wireBlob, mutation, using: &rng)
            guard let certificate = try? SSHCertificate(wireBlob: bytes) else { continue }
            do {
                try verifier.verify(certificate)
                #expect(bytes == original.wireBlob, "seed \(seed) iteration \(iteration): a \(mutation) mutation verified")
            } catch {
                parsedButRefused += 1
            }
        }
        // Some mutations (inside the signature, in a principal) parse and must be refused.
        #expect(parsedButRefused > 0)
    }
}
