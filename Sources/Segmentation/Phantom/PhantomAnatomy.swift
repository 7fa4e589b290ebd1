import Foundation
import TensorEngine

/// The tissue classes the phantom renders, in the order of their intensity tables.
enum PhantomTissue: Int, CaseIterable {
    /// Paraspinal muscle with fat patches.
    case softTissue
    /// Cortical bone (dark in both weightings).
    case cortex
    /// Bone marrow of the vertebral body, arch and spinous process.
    case marrow
    /// Intervertebral disc (replaces the vertebral body at disc levels).
    case disc
    case csf
    case cord
    /// A lesion; always inside the cord.
    case lesion
}

/// One randomly drawn axial cross-section in millimetres: cord, canal, vertebral ring with
/// foramina gaps, vertebral body or disc, spinous process and lesions. Anatomical axes are the
/// image axes rotated by a small angle: x left–right, y posterior → anterior.
struct PhantomAnatomy {
    let cord: StarShape
    let canal: StarShape
    let lesions: [StarShape]
    /// The bony ring around the canal: outer outline, and the marrow between its cortical rims.
    let ringOuter: StarShape
    let ringMarrowOuter: StarShape
    let ringMarrowInner: StarShape
    /// Foramina: directions (unit vectors in the anatomical frame) and cos of their half-widths.
    let ringGaps: [(x: Double, y: Double, cosHalfWidth: Double)]
    let body: StarShape
    let bodyMarrow: StarShape
    let isDiscLevel: Bool
    let spinousProcess: StarShape?
    private let rotationCos: Double
    private let rotationSin: Double

    /// Draws an anatomy centred near the middle of a `fieldOfView` (mm) square.
    init(fieldOfView: Double, difficulty: PhantomDifficulty, hasLesions: Bool, using rng: inout SeededGenerator) {
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitDouble()
        }
        let variability = difficulty.shapeVariability
        let rotation = uniform(-0.3...0.3)
        rotationCos = cos(rotation)
        rotationSin = sin(rotation)
        let canalCenter = (x: fieldOfView * uniform(0.38...0.62), y: fieldOfView * uniform(0.38...0.62))
        // The point at anatomical offsets (lateral, anterior) from `origin`, in image millimetres.
        func point(_ lateral: Double, _ anterior: Double, from origin: (x: Double, y: Double)) -> (x: Double, y: Double) {
            (origin.x + lateral * cos(rotation) - anterior * sin(rotation),
             origin.y + lateral * sin(rotation) + anterior * cos(rotation))
        }

        let cordLateral = uniform(3.6...6.2)
        let cordAnterior = cordLateral * uniform(0.58...0.85)
        let isStenotic = rng.nextUnitDouble() < 0.2
        let csfLateral = isStenotic ? uniform(0.5...2.0) : uniform(1.5...4.0)
        let csfAnterior = isStenotic ? uniform(0.0...0.5) : uniform(0.8...3.0)
        let cordCenter = point(uniform(-0.4...0.4) * csfLateral * variability, uniform(-0.7...0.7) * csfAnterior * variability,
                               from: canalCenter)
        cord = StarShape(centerX: cordCenter.x, centerY: cordCenter.y, semiAxisX: cordLateral, semiAxisY: cordAnterior,
                         rotation: rotation + uniform(-0.15...0.15), orders: [2, 3, 4],
                         maximumAmplitude: 0.07 * variability, using: &rng)
        canal = StarShape(centerX: canalCenter.x, centerY: canalCenter.y, semiAxisX: cordLateral + csfLateral,
                          semiAxisY: cordAnterior + csfAnterior, rotation: rotation, orders: [2, 3, 4, 5],
                          maximumAmplitude: 0.08 * variability, using: &rng)

        let ringThickness = uniform(1.5...4.5), rim = uniform(0.6...1.0)
        ringOuter = canal.grown(by: ringThickness)
        ringMarrowOuter = ringOuter.grown(by: -rim)
        ringMarrowInner = canal.grown(by: rim)
        var gaps: [(x: Double, y: Double, cosHalfWidth: Double)] = []
        for side in [1.0, -1.0] where rng.nextUnitDouble() < 0.5 {
            let angle = uniform(-0.5...0.9), halfWidth = uniform(0.2...0.5)
            gaps.append((side * cos(angle), sin(angle), cos(halfWidth)))
        }
        ringGaps = gaps

        isDiscLevel = rng.nextUnitDouble() < 0.3
        let bodyAnterior = uniform(5...8)
        let bodyCenter = point(uniform(-0.5...0.5), canal.semiAxisY + uniform(0.3...1.5) + bodyAnterior, from: canalCenter)
        body = StarShape(centerX: bodyCenter.x, centerY: bodyCenter.y, semiAxisX: canal.semiAxisX * uniform(1.1...1.5),
                         semiAxisY: bodyAnterior, rotation: rotation, orders: [2, 3],
                         maximumAmplitude: 0.05 * variability, using: &rng)
        bodyMarrow = body.grown(by: -uniform(0.7...1.2))
        if rng.nextUnitDouble() < 0.7 {
            let halfLength = uniform(3...7)
            let center = point(uniform(-0.5...0.5), -(canal.semiAxisY + ringThickness + halfLength - 1), from: canalCenter)
            spinousProcess = StarShape(centerX: center.x, centerY: center.y, semiAxisX: uniform(1.2...2.2),
                                       semiAxisY: halfLength, rotation: rotation + uniform(-0.2...0.2), using: &rng)
        } else {
            spinousProcess = nil
        }

        var lesions: [StarShape] = []
        if hasLesions {
            let count = 1 + (rng.nextUnitDouble() < 0.35 ? 1 : 0) + (rng.nextUnitDouble() < 0.1 ? 1 : 0)
            for _ in 0..<count {
                // A centre within 65 % of the cord's radius, so most of the lesion lies in the cord.
                let angle = uniform(0...(2 * Double.pi)), fraction = 0.65 * rng.nextUnitDouble().squareRoot()
                let center = point(fraction * cordLateral * cos(angle), fraction * cordAnterior * sin(angle), from: cordCenter)
                let radius = difficulty.lesionRadius * uniform(0.7...1.4)
                lesions.append(StarShape(centerX: center.x, centerY: center.y, semiAxisX: radius * uniform(0.75...1.25),
                                         semiAxisY: radius * uniform(0.75...1.25), rotation: uniform(0...Double.pi),
                                         orders: [2, 3], maximumAmplitude: 0.15 * variability, using: &rng))
            }
        }
        self.lesions = lesions
    }

    /// The tissue at a point (mm); inner structures take precedence over outer ones.
    func tissue(x: Double, y: Double) -> PhantomTissue {
        if cord.contains(x: x, y: y) {
            return lesions.contains { $0.contains(x: x, y: y) } ? .lesion : .cord
        }
        if canal.contains(x: x, y: y) { return .csf }
        if ringOuter.contains(x: x, y: y) && !isInRingGap(x: x, y: y) {
            return ringMarrowOuter.contains(x: x, y: y) && !ringMarrowInner.contains(x: x, y: y) ? .marrow : .cortex
        }
        if body.contains(x: x, y: y) {
            if isDiscLevel { return .disc }
            return bodyMarrow.contains(x: x, y: y) ? .marrow : .cortex
        }
        if let spinousProcess, spinousProcess.contains(x: x, y: y) { return .cortex }
        return .softTissue
    }

    private func isInRingGap(x: Double, y: Double) -> Bool {
        guard !ringGaps.isEmpty else { return false }
        let dx = x - canal.centerX, dy = y - canal.centerY
        let lateral = rotationCos * dx + rotationSin * dy, anterior = -rotationSin * dx + rotationCos * dy
        let length = (lateral * lateral + anterior * anterior).squareRoot()
        guard length > 0 else { return false }
        return ringGaps.contains { ($0.x * lateral + $0.y * anterior) / length >= $0.cosHalfWidth }
    }
}
