import ConvolutionKernels
import Foundation

/// Stride-1 "same" convolutions with few channels, computed by the direct kernels of
/// `ConvolutionKernels` instead of im2col + GEMM. With 8–16 channels a GEMM's operands are
/// thin, so building the column matrix (nine copies of the input for a 3×3 kernel) and
/// packing it again inside BLAS cost more than the arithmetic; here each image is copied once
/// into zero-padded rows, where every kernel tap is a fixed shift of the flat index, and the
/// kernels read it in place.
///
/// Outputs are computed at every position of the padded grid between the first and the last
/// interior one (positions in the padding get values that are never read), so one flat range
/// covers the image; `length` is rounded up to the kernels' block and the rows carry slack for it.
struct ShiftedLayout {
    /// Extents of the padded grid (depth, height, width).
    let padded: (Int, Int, Int)
    let padding: (Int, Int, Int)
    let output: (Int, Int, Int)
    /// Floats per channel row: the padded grid plus slack for the rounded-up range.
    let rowLength: Int
    /// Flat index of the first interior position, and how many positions the kernels compute.
    let start: Int, length: Int
    /// Flat shift of each kernel tap, in the weight's (kD, kH, kW) order.
    let offsets: [Int]

    /// The convolutions these kernels compute, and with less work than im2col + GEMM: stride 1,
    /// odd kernel extents with "same" padding (the taps' shifts are then symmetric, so the input
    /// gradient is the same correlation with flipped weights), and at most 16 channels either side.
    static func applies(to g: ConvolutionGeometry) -> Bool {
        let kernel = [g.kernel.0, g.kernel.1, g.kernel.2], padding = [g.padding.0, g.padding.1, g.padding.2]
        return g.stride == (1, 1, 1) && zip(kernel, padding).allSatisfy { k, p in k % 2 == 1 && p == k / 2 }
            && g.inChannels <= 16 && g.outChannels <= 16
    }

    init(_ g: ConvolutionGeometry) {
        padding = g.padding
        output = g.output
        padded = (g.input.0 + 2 * g.padding.0, g.input.1 + 2 * g.padding.1, g.input.2 + 2 * g.padding.2)
        let block = Int(WG_POSITION_BLOCK)
        let last = ShiftedLayout.flat((g.output.0 - 1 + padding.0, g.output.1 - 1 + padding.1, g.output.2 - 1 + padding.2), padded)
        start = ShiftedLayout.flat(padding, padded)
        length = (last - start + block) / block * block
        // Reads reach `last + the largest shift` = the grid's last element, plus the rounding.
        rowLength = (padded.0 * padded.1 * padded.2 + block) / block * block + block
        var shifts: [Int] = []
        for z in 0..<g.kernel.0 {
            for y in 0..<g.kernel.1 {
                for x in 0..<g.kernel.2 {
                    shifts.append(ShiftedLayout.flat((z - padding.0, y - padding.1, x - padding.2), padded))
                }
            }
        }
        offsets = shifts
    }

    private static func flat(_ p: (Int, Int, Int), _ extents: (Int, Int, Int)) -> Int {
        (p.0 * extents.1 + p.1) * extents.2 + p.2
    }

    /// Rows for `channels` channels, rounded up to the kernels' channel block, all zero: the
    /// padding stays zero because `pad` only ever writes interior positions.
    func zeroedRows(_ channels: Int) -> UnsafeMutablePointer<Float> {
        let blocks = (channels + Int(WG_CHANNEL_BLOCK) - 1) / Int(WG_CHANNEL_BLOCK)
        let count = max(blocks, 1) * Int(WG_CHANNEL_BLOCK) * rowLength
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: count)
        rows.initialize(repeating: 0, count: count)
        return rows
    }

    /// Copies one image [channels, D, H, W] into the interiors of `rows`.
    func pad(_ image: UnsafePointer<Float>, channels: Int, into rows: UnsafeMutablePointer<Float>) {
        forEachRun(channels) { row, interior, dense in (rows + row * rowLength + interior).update(from: image + dense, count: output.2) }
    }

    /// Copies the interiors of `rows` into one image [channels, D, H, W], adding `bias[c]` when given.
    func extract(_ rows: UnsafePointer<Float>, channels: Int, into image: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        forEachRun(channels) { row, interior, dense in
            let source = rows + row * rowLength + interior, target = image + dense
            if let bias {
                let b = bias[row]
                for x in 0..<output.2 { target[x] = source[x] + b }
            } else {
                target.update(from: source, count: output.2)
            }
        }
    }

    /// Every (channel, z, y) run of `output.2` values: its channel, its start in the padded row
    /// and its start in the dense image.
    @inline(__always)
    private func forEachRun(_ channels: Int, _ body: (Int, Int, Int) -> Void) {
        let (od, oh, ow) = output
        for c in 0..<channels {
            for z in 0..<od {
                for y in 0..<oh {
                    body(c, ShiftedLayout.flat((z + padding.0, y + padding.1, padding.2), padded), ((c * od + z) * oh + y) * ow)
                }
            }
        }
    }
}

/// Instruction-set levels of the direct convolution kernels (`ConvolutionKernels`).
public enum ConvolutionKernelLevel: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Plain 4-float vectors: any CPU (SSE2 on x86-64).
    case portable
    case avx2
    case avx512

    /// The highest level this CPU runs.
    public static let best = ConvolutionKernelLevel(rawValue: Int(wg_best_level().rawValue))!

    /// The level in use: `best`, or lower where `WEIGHTGEN_KERNELS` (portable, avx2, avx512) asks
    /// for it, as when the kernel test matrix runs another CPU family's path, or a benchmark holds
    /// both sides to AVX2. A level above the CPU's or an unknown name stops the process with a
    /// message naming the setting, at the first convolution (or `weightgen --version`).
    public static let current: ConvolutionKernelLevel = {
        guard let name = ProcessInfo.processInfo.environment["WEIGHTGEN_KERNELS"], !name.isEmpty else { return best }
        guard let asked = allCases.first(where: { $0.description == name }) else {
            fatalError("WEIGHTGEN_KERNELS=\(name): expected one of \(allCases.map(\.description).joined(separator: ", "))")
        }
        guard asked <= best else { fatalError("WEIGHTGEN_KERNELS=\(name): this CPU runs at most \(best)") }
        return asked
    }()

    public var description: String { ["portable", "avx2", "avx512"][rawValue] }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    var c: wg_level { wg_level(rawValue: UInt32(rawValue)) }
}

extension ShiftedLayout {
    /// out rows = the correlation of `x` rows with `weight` over the layout's range, or over
    /// `segment` of it (a sub-range of whole kernel blocks) when given.
    func correlate(_ x: UnsafePointer<Float>, inChannels: Int, weight: UnsafePointer<Float>, outChannels: Int,
                   into out: UnsafeMutablePointer<Float>, segment: Range<Int>? = nil, level: ConvolutionKernelLevel = .current) {
        let range = segment ?? start..<(start + length)
        offsets.withUnsafeBufferPointer { shifts in
            wg_shifted_correlation(level.c, x, inChannels, weight, outChannels, shifts.baseAddress, offsets.count, rowLength,
                                   range.lowerBound, range.count, out)
        }
    }

    /// Adds the weight gradient of `correlate` for output-gradient rows `dy` to `gradWeight`.
    func addWeightGradient(_ x: UnsafePointer<Float>, inChannels: Int, dy: UnsafePointer<Float>, outChannels: Int,
                           into gradWeight: UnsafeMutablePointer<Float>, segment: Range<Int>? = nil, level: ConvolutionKernelLevel = .current) {
        let range = segment ?? start..<(start + length)
        offsets.withUnsafeBufferPointer { shifts in
            wg_shifted_correlation_weight_gradient(level.c, x, inChannels, dy, outChannels, shifts.baseAddress, offsets.count,
                                                   rowLength, range.lowerBound, range.count, gradWeight)
        }
    }

    /// The layout's range cut into `count` near-equal segments of whole kernel blocks.
    func segments(_ count: Int) -> [Range<Int>] {
        let block = Int(WG_POSITION_BLOCK), blocks = length / block
        return (0..<min(count, blocks)).map { i in
            let r = chunkRange(i, of: min(count, blocks), count: blocks)
            return (start + r.lowerBound * block)..<(start + r.upperBound * block)
        }
    }
}

/// How the direct kernels share one convolution's work between threads: whole images per
/// thread when there are at least as many images as threads, else every image's range cut
/// into one segment per thread. Boundaries depend only on the shapes and the thread count, and
/// weight-gradient partials are summed in a fixed order, so results are deterministic.
private struct ShiftedWork {
    let layout: ShiftedLayout
    let batch: Int
    let threads: Int

    /// Scratch sets needed at once: one per worker when workers own images, else one.
    var slots: Int { batch >= threads ? threads : 1 }

    /// For each image: `prepare(slot, n)`, then `compute(slot, worker, n, segment)` for every
    /// segment of its range (nil: the whole range), then `finish(slot, n)`. `worker` indexes
    /// the weight-gradient partial the call may add to.
    func run(prepare: (Int, Int) -> Void, compute: (Int, Int, Int, Range<Int>?) -> Void, finish: (Int, Int) -> Void) {
        if threads == 1 || slots > 1 {
            DispatchQueueShim.concurrentPerform(iterations: slots) { worker in
                for n in chunkRange(worker, of: slots, count: batch) {
                    prepare(worker, n)
                    compute(worker, worker, n, nil)
                    finish(worker, n)
                }
            }
        } else {
            let segments = layout.segments(threads)
            for n in 0..<batch {
                prepare(0, n)
                DispatchQueueShim.concurrentPerform(iterations: segments.count) { s in compute(0, s, n, segments[s]) }
                finish(0, n)
            }
        }
    }
}

extension Tensor {
    /// Forward pass of a convolution that `ShiftedLayout.applies(to:)`, into `y` [N, C_out, spatial].
    func shiftedConvolutionForward(_ g: ConvolutionGeometry, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                   into y: UnsafeMutablePointer<Float>, level: ConvolutionKernelLevel = .current) {
        let layout = ShiftedLayout(g), x = pointer
        let work = ShiftedWork(layout: layout, batch: g.batch, threads: Engine.threadCount)
        let inputs = (0..<work.slots).map { _ in layout.zeroedRows(g.inChannels) }
        let outputs = (0..<work.slots).map { _ in layout.zeroedRows(g.outChannels) }
        defer { (inputs + outputs).forEach { $0.deallocate() } }
        work.run(prepare: { s, n in layout.pad(x + n * g.inChannels * g.inputPlane, channels: g.inChannels, into: inputs[s]) },
                 compute: { s, _, _, segment in
                     layout.correlate(inputs[s], inChannels: g.inChannels, weight: weight, outChannels: g.outChannels,
                                      into: outputs[s], segment: segment, level: level)
                 },
                 finish: { s, n in layout.extract(outputs[s], channels: g.outChannels, into: y + n * g.outChannels * g.outputPlane, bias: bias) })
    }
}

/// Gradients of a convolution that `ShiftedLayout.applies(to:)`: `gx` (overwritten) is the same
/// correlation of the padded output gradient with the weights flipped and transposed; `gw`
/// (overwritten) sums, per tap, the output gradient times the shifted input.
func shiftedConvolutionBackward(_ g: ConvolutionGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                grad: UnsafePointer<Float>, gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?,
                                level: ConvolutionKernelLevel = .current) {
    let layout = ShiftedLayout(g), taps = g.kernelVolume
    let work = ShiftedWork(layout: layout, batch: g.batch, threads: Engine.threadCount)
    let inputs = gw == nil ? [] : (0..<work.slots).map { _ in layout.zeroedRows(g.inChannels) }
    let gradients = (0..<work.slots).map { _ in layout.zeroedRows(g.outChannels) }
    let inputGradients = gx == nil ? [] : (0..<work.slots).map { _ in layout.zeroedRows(g.inChannels) }
    let weightCount = g.outChannels * g.patchSize, partialCount = work.threads
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: partialCount * weightCount)
    partials.initialize(repeating: 0, count: partialCount * weightCount)
    // flipped[ci][co][t] = weight[co][ci][taps − 1 − t]: the input gradient's weights.
    let flipped = UnsafeMutablePointer<Float>.allocate(capacity: weightCount)
    for co in 0..<g.outChannels {
        for ci in 0..<g.inChannels {
            for t in 0..<taps { flipped[(ci * g.outChannels + co) * taps + t] = weight[(co * g.inChannels + ci) * taps + taps - 1 - t] }
        }
    }
    defer { (inputs + gradients + inputGradients).forEach { $0.deallocate() }; partials.deallocate(); flipped.deallocate() }
    work.run(prepare: { s, n in
        layout.pad(grad + n * g.outChannels * g.outputPlane, channels: g.outChannels, into: gradients[s])
        if gw != nil { layout.pad(x + n * g.inChannels * g.inputPlane, channels: g.inChannels, into: inputs[s]) }
    }, compute: { s, worker, _, segment in
        if gw != nil {
            layout.addWeightGradient(inputs[s], inChannels: g.inChannels, dy: gradients[s], outChannels: g.outChannels,
                                     into: partials + worker * weightCount, segment: segment, level: level)
        }
        if gx != nil {
            layout.correlate(gradients[s], inChannels: g.outChannels, weight: flipped, outChannels: g.inChannels,
                             into: inputGradients[s], segment: segment, level: level)
        }
    }, finish: { s, n in
        if let gx { layout.extract(inputGradients[s], channels: g.inChannels, into: gx + n * g.inChannels * g.inputPlane) }
    })
    if let gw {
        for i in 0..<weightCount {
            var sum: Float = 0
            for p in 0..<partialCount { sum += partials[p * weightCount + i] }
            gw[i] = sum
        }
    }
}
