import Foundation

/// Why a file could not be read or written; `description` names the file and the problem.
public struct FormatError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The broad category of a failure.
    public enum Kind: String, Sendable {
        /// The operating system refused a read, write or rename.
        case io
        /// The data ends before the structure it announces.
        case truncated
        /// The bytes do not follow the format.
        case malformed
        /// The format is valid but uses a feature this library does not read or write.
        case unsupported
        /// A pickle names a global outside the allow-list.
        case forbidden
        /// A declared size exceeds what is present or what this library accepts.
        case tooLarge
        /// An nnU-Net dataset or model folder breaks one of nnU-Net's rules.
        case invalidDataset
    }

    /// The category of the failure.
    public let kind: Kind
    /// What went wrong, without the file name.
    public let message: String
    /// The file or folder concerned, when known.
    public let path: String?

    /// Creates an error; `path` may be attached later with `at(_:)`.
    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    /// This error with `path` attached, unless one is already known.
    public func at(_ path: String) -> FormatError {
        self.path == nil ? FormatError(kind, message, path: path) : self
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
    public var errorDescription: String? { description }
}

/// Runs `body`, attaching `url`'s path to any error it throws (wrapping foreign errors as `.io`).
func attributing<T>(to url: URL, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FormatError {
        throw error.at(url.path)
    } catch {
        throw FormatError(.io, "\(error)", path: url.path)
    }
}
