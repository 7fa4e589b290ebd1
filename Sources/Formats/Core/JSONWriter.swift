/// Serialises `JSONValue` the way Python's `json.dump(..., indent=4)` lays documents out.
extension JSONValue {
    /// The document as text: compact when `indent` is nil, else one member per line.
    public func serialized(indent: Int? = 4) -> String {
        var output = ""
        write(to: &output, indent: indent, level: 0)
        return output
    }

    private func write(to output: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += JSONValue.format(value)
        case .string(let value): JSONValue.writeString(value, to: &output)
        case .array(let elements):
            writeContainer(open: "[", close: "]", count: elements.count, to: &output, indent: indent, level: level) { i, out in
                elements[i].write(to: &out, indent: indent, level: level + 1)
            }
        case .object(let object):
            writeContainer(open: "{", close: "}", count: object.keys.count, to: &output, indent: indent, level: level) { i, out in
                JSONValue.writeString(object.keys[i], to: &out)
                out += indent == nil ? ":" : ": "
                object.values[i].write(to: &out, indent: indent, level: level + 1)
            }
        }
    }

    private func writeContainer(open: String, close: String, count: Int, to output: inout String, indent: Int?,
                                level: Int, element: (Int, inout String) -> Void) {
        output += open
        guard count > 0 else { output += close; return }
        for i in 0..<count {
            if i > 0 { output += "," }
            if let indent { output += "\n" + String(repeating: " ", count: indent * (level + 1)) }
            element(i, &output)
        }
        if let indent { output += "\n" + String(repeating: " ", count: indent * level) }
        output += close
    }

    /// Python's repr of a float: shortest round-trip digits, `NaN`/`Infinity` for non-finite values.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }

    static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
