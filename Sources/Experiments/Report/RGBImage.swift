/// An 8-bit RGB image stored row-major: `pixels[(y * width + x) * 3 + channel]`,
/// i.e. the bytes of a `[height][width][3]` array laid out flat.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A black image of the given size.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "image dimensions must not be negative")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// The colour at column `x`, row `y` as (red, green, blue).
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.0
            pixels[i + 1] = newValue.1
            pixels[i + 2] = newValue.2
        }
    }
}
