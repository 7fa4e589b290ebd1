/// Decoding of NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers and encoding of NIfTI-1 ones.
extension NIfTIHeader {
    /// Size of a NIfTI-1 header.
    static let version1Size = 348
    /// Size of a NIfTI-2 header.
    static let version2Size = 540

    /// The header size announced by the first four bytes (348 or 540) and whether they are big-endian.
    static func announcedLayout(_ firstBytes: [UInt8]) throws -> (size: Int, bigEndian: Bool) {
        guard firstBytes.count >= 4 else { throw FormatError(.truncated, "file is too short for a NIfTI header") }
        let raw = ArraySlice(firstBytes).loadLE(UInt32.self)
        let (little, big) = (Int(raw), Int(raw.byteSwapped))
        for size in [version1Size, version2Size] {
            if little == size { return (size, false) }
            if big == size { return (size, true) }
        }
        throw FormatError(.malformed, "not a NIfTI file: sizeof_hdr is \(little), expected 348 or 540")
    }

    /// Decodes a whole header (`bytes.count` is 348 or 540) and checks its fields.
    static func decode(_ bytes: [UInt8]) throws -> NIfTIHeader {
        let (size, bigEndian) = try announcedLayout(bytes)
        guard bytes.count >= size else { throw FormatError(.truncated, "NIfTI header is cut short") }
        let fields = FieldReader(bytes: bytes, bigEndian: bigEndian)
        var header = size == version1Size ? try decodeVersion1(fields) : try decodeVersion2(fields)
        header.isBigEndian = bigEndian
        try header.validate(fields)
        return header
    }

    private static func decodeVersion1(_ f: FieldReader) throws -> NIfTIHeader {
        let magic = f.bytes(344, 4)
        if magic == Array("ni1\0".utf8) {
            throw FormatError(.unsupported, "this is the header of a NIfTI pair (.hdr/.img); only single-file .nii is read")
        }
        guard magic == Array("n+1\0".utf8) else { throw FormatError(.malformed, "not a NIfTI-1 file: bad magic \(magic)") }
        var h = NIfTIHeader()
        h.version = 1
        h.dimInfo = Int(f.bytes(39, 1)[0])
        h.dims = try dims((0..<8).map { Int(f.int16($0 * 2 + 40)) })
        h.intentParameters = (0..<3).map { Double(f.float32(56 + 4 * $0)) }
        h.intentCode = Int(f.int16(68))
        h.datatype = try datatype(Int(f.int16(70)))
        h.sliceStart = Int(f.int16(74))
        h.pixdim = (0..<8).map { Double(f.float32(76 + 4 * $0)) }
        let offset = Double(f.float32(108))
        guard offset.isFinite, offset >= 0, offset < Double(1 << 30), offset.rounded() == offset else {
            throw FormatError(.malformed, "vox_offset \(offset) is not a usable byte offset")
        }
        h.voxOffset = Int(offset)
        h.sclSlope = Double(f.float32(112))
        h.sclInter = Double(f.float32(116))
        h.sliceEnd = Int(f.int16(120))
        h.sliceCode = Int(f.bytes(122, 1)[0])
        h.xyztUnits = Int(f.bytes(123, 1)[0])
        h.calMax = Double(f.float32(124))
        h.calMin = Double(f.float32(128))
        h.sliceDuration = Double(f.float32(132))
        h.timeOffset = Double(f.float32(136))
        h.descrip = f.string(148, 80)
        h.auxFile = f.string(228, 24)
        h.qformCode = Int(f.int16(252))
        h.sformCode = Int(f.int16(254))
        h.quaternion = (0..<3).map { Double(f.float32(256 + 4 * $0)) }
        h.qoffset = (0..<3).map { Double(f.float32(268 + 4 * $0)) }
        h.srow = (0..<3).map { row in (0..<4).map { Double(f.float32(280 + 16 * row + 4 * $0)) } }
        h.intentName = f.string(328, 16)
        return h
    }

    private static func decodeVersion2(_ f: FieldReader) throws -> NIfTIHeader {
        let magic = f.bytes(4, 8)
        guard magic == Array("n+2\0\r\n\u{1A}\n".utf8) else {
            throw FormatError(Array(magic.prefix(4)) == Array("ni2\0".utf8) ? .unsupported : .malformed,
                              "not a single-file NIfTI-2 image: magic \(magic)")
        }
        var h = NIfTIHeader()
        h.version = 2
        h.datatype = try datatype(Int(f.int16(12)))
        h.dims = try dims(try (0..<8).map { try f.int(16 + 8 * $0) })
        h.intentParameters = (0..<3).map { f.float64(80 + 8 * $0) }
        h.pixdim = (0..<8).map { f.float64(104 + 8 * $0) }
        let offset = try f.int(168)
        guard offset >= 0, offset < 1 << 30 else { throw FormatError(.malformed, "vox_offset \(offset) is not usable") }
        h.voxOffset = offset
        h.sclSlope = f.float64(176)
        h.sclInter = f.float64(184)
        h.calMax = f.float64(192)
        h.calMin = f.float64(200)
        h.sliceDuration = f.float64(208)
        h.timeOffset = f.float64(216)
        h.sliceStart = try f.int(224)
        h.sliceEnd = try f.int(232)
        h.descrip = f.string(240, 80)
        h.auxFile = f.string(320, 24)
        h.qformCode = Int(f.int32(344))
        h.sformCode = Int(f.int32(348))
        h.quaternion = (0..<3).map { f.float64(352 + 8 * $0) }
        h.qoffset = (0..<3).map { f.float64(376 + 8 * $0) }
        h.srow = (0..<3).map { row in (0..<4).map { f.float64(400 + 32 * row + 8 * $0) } }
        h.sliceCode = Int(f.int32(496))
        h.xyztUnits = Int(f.int32(500))
        h.intentCode = Int(f.int32(504))
        h.intentName = f.string(508, 16)
        h.dimInfo = Int(f.bytes(524, 1)[0])
        return h
    }

    private static func dims(_ raw: [Int]) throws -> [Int] {
        let rank = raw[0]
        guard (1...7).contains(rank) else { throw FormatError(.malformed, "dim[0] is \(rank); it must be 1 to 7") }
        let dims = Array(raw[1...rank])
        guard dims.allSatisfy({ $0 >= 1 }) else { throw FormatError(.malformed, "dimensions \(dims) must all be at least 1") }
        return dims
    }

    private static func datatype(_ code: Int) throws -> NIfTIDatatype {
        guard let type = Int16(exactly: code).flatMap(NIfTIDatatype.init(rawValue:)) else {
            throw FormatError(.unsupported, "voxel datatype \(NIfTIDatatype.unsupportedName(code)) is not supported")
        }
        return type
    }

    private mutating func validate(_ fields: FieldReader) throws {
        let minimumOffset = (version == 1 ? NIfTIHeader.version1Size : NIfTIHeader.version2Size) + 4
        if voxOffset == 0 { voxOffset = minimumOffset }
        guard voxOffset >= minimumOffset else {
            throw FormatError(.malformed, "vox_offset \(voxOffset) lies inside the header (minimum \(minimumOffset))")
        }
        guard voxelCount != nil else { throw FormatError(.tooLarge, "dimensions \(dims) overflow") }
    }

    /// Encodes this header as NIfTI-1, little-endian, followed by four zero extension bytes.
    func encodedVersion1() throws -> [UInt8] {
        var w = FieldWriter(count: NIfTIHeader.version1Size + 4)
        guard dims.count <= 7, dims.allSatisfy({ (1...Int(Int16.max)).contains($0) }) else {
            throw FormatError(.unsupported, "dimensions \(dims) do not fit a NIfTI-1 header")
        }
        w.int32(Int32(NIfTIHeader.version1Size), at: 0)
        w.bytes([UInt8(truncatingIfNeeded: dimInfo)], at: 39)
        let dim = [dims.count] + dims + Array(repeating: 1, count: 7 - dims.count)
        for (i, value) in dim.enumerated() { w.int16(Int16(value), at: 40 + 2 * i) }
        for (i, value) in intentParameters.enumerated() { w.float32(Float(value), at: 56 + 4 * i) }
        w.int16(Int16(truncatingIfNeeded: intentCode), at: 68)
        w.int16(datatype.rawValue, at: 70)
        w.int16(datatype.bitsPerVoxel, at: 72)
        w.int16(Int16(truncatingIfNeeded: sliceStart), at: 74)
        for (i, value) in pixdim.enumerated() { w.float32(Float(value), at: 76 + 4 * i) }
        w.float32(Float(voxOffset), at: 108)
        w.float32(Float(sclSlope), at: 112)
        w.float32(Float(sclInter), at: 116)
        w.int16(Int16(truncatingIfNeeded: sliceEnd), at: 120)
        w.bytes([UInt8(truncatingIfNeeded: sliceCode), UInt8(truncatingIfNeeded: xyztUnits)], at: 122)
        w.float32(Float(calMax), at: 124)
        w.float32(Float(calMin), at: 128)
        w.float32(Float(sliceDuration), at: 132)
        w.float32(Float(timeOffset), at: 136)
        w.string(descrip, at: 148, capacity: 80)
        w.string(auxFile, at: 228, capacity: 24)
        w.int16(Int16(truncatingIfNeeded: qformCode), at: 252)
        w.int16(Int16(truncatingIfNeeded: sformCode), at: 254)
        for (i, value) in (quaternion + qoffset).enumerated() { w.float32(Float(value), at: 256 + 4 * i) }
        for (i, value) in srow.joined().enumerated() { w.float32(Float(value), at: 280 + 4 * i) }
        w.string(intentName, at: 328, capacity: 16)
        w.bytes(Array("n+1\0".utf8), at: 344)
        return w.bytes
    }
}

/// Reads fixed-offset header fields in the file's byte order (offsets are within the checked header).
private struct FieldReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func bytes(_ offset: Int, _ count: Int) -> [UInt8] { Array(bytes[offset..<offset + count]) }

    private func raw<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
        let value = bytes[offset..<offset + MemoryLayout<T>.size].loadLE(T.self)
        return bigEndian ? value.byteSwapped : value
    }

    func int16(_ offset: Int) -> Int16 { raw(Int16.self, offset) }
    func int32(_ offset: Int) -> Int32 { raw(Int32.self, offset) }
    func float32(_ offset: Int) -> Float { Float(bitPattern: raw(UInt32.self, offset)) }
    func float64(_ offset: Int) -> Double { Double(bitPattern: raw(UInt64.self, offset)) }

    func int(_ offset: Int) throws -> Int {
        let value = raw(Int64.self, offset)
        guard let result = Int(exactly: value) else { throw FormatError(.malformed, "field at byte \(offset) overflows") }
        return result
    }

    func string(_ offset: Int, _ capacity: Int) -> String {
        let field = bytes[offset..<offset + capacity]
        return String(decoding: field.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

/// Writes little-endian header fields at fixed offsets into a zeroed buffer.
private struct FieldWriter {
    var bytes: [UInt8]

    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    mutating func bytes(_ values: [UInt8], at offset: Int) {
        bytes.replaceSubrange(offset..<offset + values.count, with: values)
    }

    private mutating func integer<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        bytes(withUnsafeBytes(of: value.littleEndian) { Array($0) }, at: offset)
    }

    mutating func int16(_ value: Int16, at offset: Int) { integer(value, at: offset) }
    mutating func int32(_ value: Int32, at offset: Int) { integer(value, at: offset) }
    mutating func float32(_ value: Float, at offset: Int) { integer(value.bitPattern, at: offset) }

    mutating func string(_ value: String, at offset: Int, capacity: Int) {
        bytes(Array(value.utf8.prefix(capacity - 1)), at: offset)
    }
}
