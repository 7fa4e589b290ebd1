import Foundation
import Generator

/// Text escaping and number formatting shared by the SVG plots and the HTML report.
enum Markup {
    /// `text` safe inside XML/HTML text and attribute values; characters XML 1.0 forbids are dropped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }

    /// `value` with `digits` decimals, or "n/a" when it is not a finite number.
    static func fixed(_ value: Double, _ digits: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "n/a"
    }

    /// Four significant digits for quantities of any magnitude (seconds, ratios), "n/a" when not finite.
    static func significant(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "n/a"
    }

    /// "mean [lower, upper]" with three decimals.
    static func interval(_ estimate: Estimate) -> String {
        "\(fixed(estimate.mean)) [\(fixed(estimate.lower)), \(fixed(estimate.upper))]"
    }

    /// An SVG coordinate: two decimals are below a screen pixel.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}

extension Markup {
    /// A wall time a reader can take in at a glance: "12.3 s", "4 min 05 s", "2 h 07 min".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }
}
