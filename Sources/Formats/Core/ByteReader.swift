/// A bounds-checked cursor over bytes; every read that would pass the end throws `.truncated`.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw endOfData(needing: 1) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw endOfData(needing: count) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Reads an unsigned little-endian integer of `width` bytes (at most 8).
    mutating func unsignedLE(_ width: Int) throws -> UInt64 {
        let slice = try take(width)
        var value: UInt64 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }

    mutating func uint16() throws -> UInt16 { UInt16(try unsignedLE(2)) }
    mutating func uint32() throws -> UInt32 { UInt32(try unsignedLE(4)) }
    mutating func uint64() throws -> UInt64 { try unsignedLE(8) }
    mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }
    mutating func int64() throws -> Int64 { Int64(bitPattern: try uint64()) }

    /// Bytes up to (not including) the next newline, which is consumed.
    mutating func line() throws -> ArraySlice<UInt8> {
        guard let end = bytes[offset...].firstIndex(of: 0x0A) else { throw endOfData(needing: 1) }
        defer { offset = end + 1 }
        return bytes[offset..<end]
    }

    private func endOfData(needing count: Int) -> FormatError {
        FormatError(.truncated, "unexpected end of data at byte \(offset) (needed \(count) more, \(remaining) left)")
    }
}

extension ArraySlice where Element == UInt8 {
    /// Loads a little-endian value of type `T` from the start of the slice (which must be long enough).
    func loadLE<T: FixedWidthInteger>(_: T.Type, at index: Int = 0) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: index, as: T.self)) }
    }
}

#if _endian(big)
#error("Formats assumes a little-endian host")
#endif
