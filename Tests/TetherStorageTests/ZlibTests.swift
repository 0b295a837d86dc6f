import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct ZlibTests {
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    @Test(arguments: [0, 1, 1000, 1 << 20])
    func randomDataRoundTrips(count: Int) throws {
        let input = Self.randomBytes(count)
        let compressed = try Zlib.compress(input)
        #expect(try Zlib.decompress(compressed, expectedSize: count) == input)
    }

    @Test func repetitiveDataShrinks() throws {
        let input = Array(String(repeating: "drwxr-xr-x 2 root root 4096 Nov 23 README.md\n", count: 500).utf8)
        let compressed = try Zlib.compress(input)
        #expect(compressed.count < input.count / 10)
        #expect(try Zlib.decompress(compressed, expectedSize: input.count) == input)
    }

    @Test func truncatedGarbledOrMisdeclaredDataThrows() throws {
        let input = Self.randomBytes(10_000)
        let compressed = try Zlib.compress(input)
        var flipped = compressed
        flipped[compressed.count / 2] ^= 0xFF
        let cases: [(String, [UInt8], Int)] = [
            ("truncated", Array(compressed.prefix(compressed.count / 2)), input.count),
            ("empty", [], input.count),
            ("flipped", flipped, input.count),
            ("garbage", Self.randomBytes(500), input.count),
            ("declared too small", compressed, input.count - 1),
            ("declared too large", compressed, input.count + 1),
            ("trailing bytes", compressed + [1, 2, 3], input.count),
            ("negative size", compressed, -1),
        ]
        for (name, bytes, size) in cases {
            let error = tetherError { _ = try Zlib.decompress(bytes, expectedSize: size) }
            #expect(error?.code == .malformed, "\(name)")
        }
    }
}
