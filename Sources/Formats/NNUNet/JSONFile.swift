import Foundation

/// Reading and writing the JSON files of nnU-Net folders.
enum JSONFile {
    /// Parses the JSON document at `url`.
    static func read(_ url: URL) throws -> JSONValue {
        try attributing(to: url) { try JSONValue(parsing: Array(try Data(contentsOf: url))) }
    }

    /// Writes `value` indented like Python's `json.dump(..., indent=4)`, atomically.
    static func write(_ value: JSONValue, to url: URL) throws {
        try AtomicWrite.write(Data(value.serialized(indent: 4).utf8), to: url)
    }

    /// The member `key` of `object` checked by `convert`, or an error naming `context` and the key.
    static func field<T>(_ object: JSONObject, _ key: String, _ context: String,
                         _ convert: (JSONValue) -> T?) throws -> T {
        guard let value = object[key] else { throw FormatError(.malformed, "\(context) lacks \"\(key)\"") }
        guard let converted = convert(value) else {
            throw FormatError(.malformed, "\(context) has an unexpected value for \"\(key)\"")
        }
        return converted
    }

    static func ints(_ value: JSONValue) -> [Int]? {
        value.arrayValue.flatMap { items in items.allSatisfy { $0.intValue != nil } ? items.map { $0.intValue! } : nil }
    }

    static func doubles(_ value: JSONValue) -> [Double]? {
        value.arrayValue.flatMap { items in items.allSatisfy { $0.doubleValue != nil } ? items.map { $0.doubleValue! } : nil }
    }

    static func strings(_ value: JSONValue) -> [String]? {
        value.arrayValue.flatMap { items in items.allSatisfy { $0.stringValue != nil } ? items.map { $0.stringValue! } : nil }
    }

    static func intLists(_ value: JSONValue) -> [[Int]]? {
        value.arrayValue.flatMap { items in
            let lists = items.compactMap(ints)
            return lists.count == items.count ? lists : nil
        }
    }
}
