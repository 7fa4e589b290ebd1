// libFuzzer target: the safetensors header parser (JSON included) on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? SafeTensors.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
