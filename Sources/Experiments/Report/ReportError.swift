/// A report artefact that cannot be produced from the inputs it was given.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
