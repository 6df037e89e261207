/// The GPT-2 "byte-level" alphabet: every byte 0...255 is written as one printable Unicode
/// character so that BPE vocabularies can be stored as text. Printable Latin-1 bytes
/// ('!'...'~', '¡'...'¬', '®'...'ÿ') stand for themselves; the other 68 bytes (controls, space,
/// DEL, NBSP, soft hyphen) are assigned U+0100, U+0101, ... in byte order, which is why a space
/// appears as 'Ġ' (U+0120) and a newline as 'Ċ' (U+010A) in the vocabulary.
enum ByteLevel {
    /// The character that stands for each byte, indexed by byte value.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // Values 256...323 are always valid scalars.
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The byte a byte-level character stands for, or nil when the character is not part of
    /// the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 {
            let byte = UInt8(value)
            return standsForItself(byte) ? byte : nil
        }
        guard value < 256 + 68 else { return nil }
        return remappedBytes[Int(value - 256)]
    }

    /// The bytes that are not printable, in order; the n-th is written as U+0100 + n.
    private static let remappedBytes: [UInt8] = (0...255).map(UInt8.init).filter { !standsForItself($0) }

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// Decodes a vocabulary entry written in the byte-level alphabet back to raw bytes.
    /// Characters outside the alphabet (never present in a well-formed vocabulary) are kept
    /// as their own UTF-8 bytes rather than dropped.
    static func decode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let byte = byte(for: scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        return bytes
    }

    /// Encodes raw bytes in the byte-level alphabet (the form merges are written in).
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarForByte[Int(byte)]) }
        return String(scalars)
    }
}
