/// A number that names a network's parameter values whatever their channel order: FNV-1a over
/// the sorted values' bit patterns, kept to 53 bits so JSON readers hold it exactly. A zoo
/// run's initialisation has the same fingerprint before and after canonical alignment, so a
/// generator recognises the runs it learned from when handed their initialisations.
enum InitialisationFingerprint {
    static func of(_ parameters: [Float]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in parameters.sorted() {
            hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01B3
        }
        return hash & ((1 << 53) - 1)
    }
}
