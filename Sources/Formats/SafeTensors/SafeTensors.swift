import Foundation

/// A safetensors file: named tensors plus the optional `__metadata__` string map.
public struct SafeTensorsFile: Equatable, Sendable {
    /// Tensors in the order the header lists them.
    public var tensors: [NamedTensor]
    /// Free-form string metadata.
    public var metadata: [String: String]

    /// Pairs `tensors` with `metadata`.
    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// Reads and writes the safetensors format of Hugging Face's `safetensors` package:
/// an 8-byte little-endian header length, a JSON header (`dtype`, `shape`, `data_offsets`
/// per tensor, optional `__metadata__`) padded with spaces to 8 bytes, then the data.
public enum SafeTensors {
    /// The largest header accepted (the Python package's own limit).
    public static let maximumHeaderBytes = 100_000_000

    /// Reads the file at `url`.
    public static func read(_ url: URL) throws -> SafeTensorsFile {
        try attributing(to: url) { try decode(Array(try Data(contentsOf: url, options: .mappedIfSafe))) }
    }

    /// Decodes a whole file held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> SafeTensorsFile {
        var reader = ByteReader(bytes)
        let declared = try reader.uint64()
        guard declared <= UInt64(min(maximumHeaderBytes, reader.remaining)) else {
            throw FormatError(.malformed, "not a safetensors file: header length \(declared) exceeds the file or the limit")
        }
        let headerBytes = Array(try reader.take(Int(declared)))
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw FormatError(.malformed, "not a safetensors file: the header does not start with '{'")
        }
        guard case .object(let header) = try JSONValue(parsing: headerBytes) else {
            throw FormatError(.malformed, "the safetensors header is not a JSON object")
        }
        let data = reader.bytes[reader.offset...]
        var metadata: [String: String] = [:]
        var layout: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)] = []
        for (name, value) in header.members {
            if name == "__metadata__" {
                metadata = try decodeMetadata(value)
                continue
            }
            layout.append(try decodeEntry(name, value, dataCount: data.count))
        }
        var end = 0
        for entry in layout.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            guard entry.range.lowerBound == end else {
                throw FormatError(.malformed, "tensor \(entry.name) starts at \(entry.range.lowerBound), expected \(end): "
                    + "safetensors data must be contiguous without gaps or overlaps")
            }
            end = entry.range.upperBound
        }
        guard end == data.count else {
            throw FormatError(.malformed, "tensor data covers \(end) bytes but the file holds \(data.count)")
        }
        let tensors = try layout.map { entry in
            let start = data.startIndex + entry.range.lowerBound
            let bytes = Array(data[start..<start + entry.range.count])
            return NamedTensor(entry.name, try StoredTensor(dtype: entry.dtype, shape: entry.shape, bytes: bytes))
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Writes `file` to `url` through a temporary file in the same folder.
    public static func write(_ file: SafeTensorsFile, to url: URL) throws {
        try attributing(to: url) { try AtomicWrite.write(Data(try encode(file)), to: url) }
    }

    /// Encodes `file`: tensors ordered by decreasing element size then name (as the Python package does).
    public static func encode(_ file: SafeTensorsFile) throws -> [UInt8] {
        guard Set(file.tensors.map(\.name)).count == file.tensors.count else {
            throw FormatError(.malformed, "tensor names must be unique in a safetensors file")
        }
        guard !file.tensors.contains(where: { $0.name == "__metadata__" }) else {
            throw FormatError(.malformed, "a tensor cannot be named __metadata__")
        }
        let ordered = file.tensors.sorted {
            ($0.tensor.dtype.byteCount, $1.name) > ($1.tensor.dtype.byteCount, $0.name)
        }
        var header = JSONObject()
        if !file.metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(file.metadata.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) }))
        }
        var offset = 0
        for entry in ordered {
            let end = offset + entry.tensor.bytes.count
            header[entry.name] = .object(JSONObject([
                ("dtype", .string(entry.tensor.dtype.safetensorsName)),
                ("shape", .array(entry.tensor.shape.map { .int($0) })),
                ("data_offsets", .array([.int(offset), .int(end)])),
            ]))
            offset = end
        }
        var headerBytes = Array(JSONValue.object(header).serialized(indent: nil).utf8)
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)
        var bytes = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        bytes += headerBytes
        for entry in ordered { bytes += entry.tensor.bytes }
        return bytes
    }

    private static func decodeMetadata(_ value: JSONValue) throws -> [String: String] {
        guard case .object(let object) = value else { throw FormatError(.malformed, "__metadata__ is not an object") }
        var metadata: [String: String] = [:]
        for (key, item) in object.members {
            guard case .string(let text) = item else { throw FormatError(.malformed, "__metadata__[\(key)] is not a string") }
            metadata[key] = text
        }
        return metadata
    }

    private static func decodeEntry(_ name: String, _ value: JSONValue,
                                    dataCount: Int) throws -> (name: String, dtype: DType, shape: [Int], range: Range<Int>) {
        guard case .object(let entry) = value, let dtypeName = entry["dtype"]?.stringValue,
              let shapeValues = entry["shape"]?.arrayValue, let offsets = entry["data_offsets"]?.arrayValue else {
            throw FormatError(.malformed, "tensor \(name) lacks dtype, shape or data_offsets")
        }
        guard let dtype = DType(safetensorsName: dtypeName) else {
            throw FormatError(.unsupported, "tensor \(name) has dtype \(dtypeName), which is not supported")
        }
        let shape = try shapeValues.map { item -> Int in
            guard case .int(let extent) = item, extent >= 0 else { throw FormatError(.malformed, "tensor \(name) has a bad shape") }
            return extent
        }
        guard offsets.count == 2, case .int(let begin) = offsets[0], case .int(let end) = offsets[1],
              begin >= 0, begin <= end, end <= dataCount else {
            throw FormatError(.malformed, "tensor \(name) has data_offsets outside the \(dataCount) data bytes")
        }
        guard let count = StoredTensor.elementCount(shape),
              count.multipliedReportingOverflow(by: dtype.byteCount) == (end - begin, false) else {
            throw FormatError(.malformed, "tensor \(name) of shape \(shape) does not fill its \(end - begin) bytes")
        }
        return (name, dtype, shape, begin..<end)
    }
}
