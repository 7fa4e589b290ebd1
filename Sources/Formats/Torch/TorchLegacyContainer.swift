/// The pre-1.6 `torch.save` layout: consecutive pickles (magic number, protocol version,
/// system info, the object, the storage keys) followed by each storage as an 8-byte element
/// count and its raw bytes.
enum TorchLegacyContainer {
    /// The first pickle of a legacy file: protocol 2, LONG1 of the magic number 0x1950a86a20f9469cfc6c, STOP.
    static let magicPrefix: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    static func isLegacy(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magicPrefix) }

    /// Decodes a legacy file held in `bytes`.
    static func read(_ bytes: [UInt8]) throws -> PickleValue {
        do {
            return try decode(bytes)
        } catch let error as FormatError where error.kind != .forbidden {
            throw FormatError(error.kind, "legacy (pre-1.6) torch format: \(error.message)")
        }
    }

    private static func decode(_ bytes: [UInt8]) throws -> PickleValue {
        var offset = magicPrefix.count
        let version = PickleMachine(bytes, offset: offset)
        guard case .value(.int(1001)) = try version.run() else {
            throw FormatError(.unsupported, "unknown protocol version")
        }
        offset = version.endOffset
        let systemInfo = PickleMachine(bytes, offset: offset)
        if case .dict(let info) = try systemInfo.run(), let index = info.index[.string("little_endian")],
           case .value(.bool(false)) = info.values[index] {
            throw FormatError(.unsupported, "the file was written on a big-endian machine")
        }
        let main = PickleMachine(bytes, offset: systemInfo.endOffset)
        let root = try main.run()
        let keysMachine = PickleMachine(bytes, offset: main.endOffset)
        guard case .list(let keyList) = try keysMachine.run() else {
            throw FormatError(.malformed, "the storage key list is missing")
        }
        var reader = ByteReader(bytes, offset: keysMachine.endOffset)
        var storages: [String: [UInt8]] = [:]
        for object in keyList.items {
            guard case .value(.string(let key)) = object, let reference = main.storageReferences[key] else {
                throw FormatError(.malformed, "the storage key list names a storage the data never uses")
            }
            let count = try reader.int64()
            guard count == reference.elementCount else {
                throw FormatError(.malformed, "storage \(key) holds \(count) elements, expected \(reference.elementCount)")
            }
            let (byteCount, overflow) = reference.elementCount.multipliedReportingOverflow(by: reference.dtype.byteCount)
            guard !overflow else { throw FormatError(.tooLarge, "storage \(key) size overflows") }
            storages[key] = Array(try reader.take(byteCount))
        }
        var materializer = PickleMaterializer(provider: LegacyStorages(storages: storages), budget: 8 * bytes.count + 100_000)
        return try materializer.value(of: root)
    }

    private struct LegacyStorages: StorageProvider {
        let storages: [String: [UInt8]]

        func bytes(for reference: StorageReference) throws -> [UInt8] {
            guard let bytes = storages[reference.key] else {
                throw FormatError(.malformed, "storage \(reference.key) is not in the file")
            }
            return bytes
        }
    }
}
