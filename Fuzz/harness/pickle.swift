// libFuzzer target: the restricted pickle interpreter and tensor materialisation on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let machine = PickleMachine(bytes)
    if let root = try? machine.run() {
        var materializer = PickleMaterializer(provider: ZeroStorages(), budget: 8 * size + 1000)
        _ = try? materializer.value(of: root)
    }
    return 0
}

/// Storages of zeros, up to 1 MiB, standing in for a checkpoint's data files.
private struct ZeroStorages: StorageProvider {
    func bytes(for reference: StorageReference) throws -> [UInt8] {
        let (count, overflow) = reference.elementCount.multipliedReportingOverflow(by: reference.dtype.byteCount)
        guard !overflow, count <= 1 << 20 else { throw FormatError(.tooLarge, "storage too large for the fuzzer") }
        return [UInt8](repeating: 0, count: count)
    }
}
