/// A value stored as the spelling its `description` writes and `init?(_:)` reads (the command
/// line's), so that a stored file reads as the option would.
public protocol CodableBySpelling: Codable, LosslessStringConvertible {
    /// What a spelling names, for the error a stored spelling that `init?(_:)` refuses gets.
    static var spellingKind: String { get }
}

extension CodableBySpelling {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let read = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a \(Self.spellingKind)")
        }
        self = read
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
