import Foundation

// libFuzzer target: the .pth container (zip via ZIPFoundation, or the legacy layout) on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPth(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? TorchCheckpoint.read(data: Data(bytes: data, count: size))
    return 0
}
