// libFuzzer target: the NIfTI reader (header, gzip stream, voxel decoding) on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNIfTI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? NIfTIReader.read(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
