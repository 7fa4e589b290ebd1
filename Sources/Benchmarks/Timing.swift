import Foundation

/// Median wall time of `step` over `repeats` runs after `warmup` untimed runs.
public func medianSeconds(repeats: Int, warmup: Int, _ step: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try step() }
    var times: [Double] = []
    for _ in 0..<max(repeats, 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        try step()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}
