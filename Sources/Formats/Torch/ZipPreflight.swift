import Foundation

/// Checks a zip archive's directory records before ZIPFoundation sees them: ZIPFoundation 0.9.20
/// traps (rather than throwing) when an offset or size exceeds `Int64.max`, so every offset and
/// size of the end record, the (ZIP64) central directory and the local headers must lie inside the file.
enum ZipPreflight {
    static func check(_ url: URL, fileSize: Int) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FormatError(.io, "cannot open for reading: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) throws -> ByteReader {
            guard offset <= UInt64(fileSize), UInt64(count) <= UInt64(fileSize) - offset else { throw outside() }
            try handle.seek(toOffset: offset)
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw outside() }
            return ByteReader(Array(data))
        }
        let tailLength = min(fileSize, 22 + 65_535)
        let tail = try read(UInt64(fileSize - tailLength), tailLength).bytes
        guard let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            tail[$0..<$0 + 4] == [0x50, 0x4B, 0x05, 0x06]
        }) else {
            throw FormatError(.malformed, "not a PyTorch checkpoint: no zip end-of-central-directory record")
        }
        var record = ByteReader(tail, offset: end + 10)
        var entryCount = UInt64(try record.uint16())
        var directorySize = UInt64(try record.uint32())
        var directoryOffset = UInt64(try record.uint32())
        let recordOffset = UInt64(fileSize - tailLength + end)
        // Like ZIPFoundation: a ZIP64 locator right before the end record, with the ZIP64 record right
        // before it, overrides the end record's counts and offsets.
        if recordOffset > 76 {
            var locator = try read(recordOffset - 20, 20)
            var zip64 = try read(recordOffset - 76, 56)
            if try locator.uint32() == 0x0706_4B50, try zip64.uint32() == 0x0606_4B50 {
                _ = try zip64.take(28)
                entryCount = try zip64.uint64()
                directorySize = try zip64.uint64()
                directoryOffset = try zip64.uint64()
            }
        }
        guard directorySize <= UInt64(fileSize), entryCount <= directorySize / 46 + 1 else { throw outside() }
        var directory = try read(directoryOffset, Int(directorySize))
        for _ in 0..<entryCount {
            guard try directory.uint32() == 0x0201_4B50 else { throw FormatError(.malformed, "bad zip central directory") }
            _ = try directory.take(16)
            var compressed = UInt64(try directory.uint32())
            var uncompressed = UInt64(try directory.uint32())
            let nameLength = Int(try directory.uint16()), extraLength = Int(try directory.uint16())
            let commentLength = Int(try directory.uint16())
            _ = try directory.take(8)
            var localOffset = UInt64(try directory.uint32())
            _ = try directory.take(nameLength)
            var extra = ByteReader(Array(try directory.take(extraLength)))
            _ = try directory.take(commentLength)
            while extra.remaining >= 4 {
                let id = try extra.uint16(), size = Int(try extra.uint16())
                var field = ByteReader(Array(try extra.take(size)))
                guard id == 1 else { continue }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try field.uint64() }
                if compressed == 0xFFFF_FFFF { compressed = try field.uint64() }
                if localOffset == 0xFFFF_FFFF { localOffset = try field.uint64() }
            }
            guard compressed <= UInt64(fileSize), uncompressed <= UInt64(fileSize) * 1100 + 4096 else { throw outside() }
            var local = try read(localOffset, 30)
            _ = try local.take(26)
            let localExtra = UInt64(try local.uint16()) + UInt64(try local.uint16())
            guard localOffset + 30 + localExtra + compressed <= UInt64(fileSize) else { throw outside() }
        }
    }

    private static func outside() -> FormatError {
        FormatError(.malformed, "zip records point outside the file (truncated or corrupt archive)")
    }
}
