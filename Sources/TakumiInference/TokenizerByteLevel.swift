/// The GPT-2 "byte-level" alphabet: every byte 0...255 is written as one printable Unicode
/// character so that BPE vocabularies can be stored as text. Printable Latin-1 bytes
/// ('!'...'~', '¡'...'¬', '®'...'ÿ') stand for themselves; the other 68 bytes (controls, space,
/// DEL, NBSP, soft hyphen) are assigned U+0100, U+0101, ... in byte order, which is why a space
/// appears as 'Ġ' (U+0120) and a newline as 'Ċ' (U+010A) in the vocabulary.
public enum ByteLevel {
    /// The character that stands for each byte, indexed by byte value.
    public static let scalarForByte: [Unicode.Scalar] = {
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
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
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
    public static func decode(_ text: String) -> [UInt8] {
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
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarForByte[Int(byte)]) }
        return String(scalars)
    }

    /// The byte each alphabet character stands for, indexed by scalar value (0...323);
    /// -1 for characters outside the alphabet.
    private static let byteForScalarValue: [Int16] = (0..<324).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)), let byte = byte(for: scalar) else { return -1 }
        return Int16(byte)
    }

    /// Fast `decode` straight from UTF-8 (vocabulary and merge strings as the file holds
    /// them), appending to `bytes`. Alphabet characters are 1 or 2 UTF-8 bytes; anything
    /// else is kept as its own UTF-8 bytes, as in `decode`.
    static func decode(utf8 text: UnsafeBufferPointer<UInt8>, into bytes: inout [UInt8]) {
        var i = 0
        while i < text.count {
            let lead = text[i]
            if lead < 0x80 {
                let byte = byteForScalarValue[Int(lead)]
                bytes.append(byte >= 0 ? UInt8(byte) : lead)
                i += 1
            } else if lead & 0xE0 == 0xC0, i + 1 < text.count {
                let value = Int(lead & 0x1F) << 6 | Int(text[i + 1] & 0x3F)
                let byte = value < byteForScalarValue.count ? byteForScalarValue[value] : -1
                if byte >= 0 {
                    bytes.append(UInt8(byte))
                } else {
                    bytes.append(lead)
                    bytes.append(text[i + 1])
                }
                i += 2
            } else {
                // 3- and 4-byte characters are never in the alphabet: copy the sequence.
                let length = lead >= 0xF0 ? 4 : (lead >= 0xE0 ? 3 : 1)
                let end = min(i + length, text.count)
                bytes.append(contentsOf: text[i..<end])
                i = end
            }
        }
    }
}
