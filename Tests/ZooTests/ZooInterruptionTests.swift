import Foundation
import XCTest
@testable import Zoo

/// `kill -9` of `weightgen zoo create` at random moments, then the same command again: after
/// every kill the zoo is sound (SQLite integrity, each checkpoint row readable with a matching
/// CRC-32, each run complete), nothing recorded before is lost or changed, and every finished
/// zoo is bit-identical to one built without interruption (on the same BLAS kernel, as every
/// build here is). On a fast machine a zoo may finish
/// between kills; the test then starts another, so there are always ten kills of a live build.
final class ZooInterruptionTests: XCTestCase {
    private var productsDirectory: URL {
        Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
            ?? Bundle.main.bundleURL
    }

    func testKilledBuildsResumeWithoutLossOrDuplicates() throws {
        let binary = productsDirectory.appendingPathComponent("weightgen")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: binary.path),
                          "weightgen is not built beside the tests (\(binary.path)); build all products first")
        let dataset = try ZooFixture.phantomFolder()
        let reference = ZooFixture.temporaryZooFolder()
        var folders = [ZooFixture.temporaryZooFolder()]
        defer { for url in [dataset, reference] + folders { try? FileManager.default.removeItem(at: url) } }
        let plan = ZooFixture.plan(dataset: dataset, runs: 60, iterations: [30, 40])
        func launch(_ folder: URL) throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["zoo", "create", "--dataset", dataset.path, "--tasks", "cord", "--runs", "60",
                                 "--checkpoints-per-run", "4", "--iterations", "30,40", "--batch-sizes", "4", "--patch", "32,32",
                                 "--validation-cases", "4", "--test-cases", "4", "--seed", "5", "--workers", "2", "--out", folder.path]
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        var rng = SystemRandomNumberGenerator()
        var kills = 0, attempts = 0, recordedBeforeResume = 0
        var seen: [String: Int64] = [:]
        // Kill moments are drawn from a window that doubles whenever a launch recorded nothing,
        // so a slow or busy machine still gets kills between checkpoints, not only at start-up.
        var window = 0.6
        while kills < 10 && attempts < 60 {
            attempts += 1
            let folder = folders[folders.count - 1]
            let process = try launch(folder)
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...window, using: &rng))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("zoo.sqlite").path),
                  let zoo = try? Zoo.open(folder) else { window = min(2 * window, 20); continue }
            let report = try zoo.verify()
            XCTAssertEqual(report.sqliteIntegrity, "ok", "after kill \(kills)")
            XCTAssertEqual(report.problems, [], "after kill \(kills)")
            let now = try ZooFixture.checksums(zoo)
            for (key, crc) in seen { XCTAssertEqual(now[key], crc, "checkpoint \(key) lost or changed after kill \(kills)") }
            if now.count == seen.count { window = min(2 * window, 20) }
            seen = now
            recordedBeforeResume = max(recordedBeforeResume, now.count)
            if report.runsMissing == 0 && kills < 10 {
                folders.append(ZooFixture.temporaryZooFolder())
                seen = [:]
            }
        }
        XCTAssertEqual(kills, 10, "ten kills of a live build")
        XCTAssertGreaterThan(recordedBeforeResume, 0, "no run survived the interrupted builds")
        print("zoo kill test: \(kills) kills in \(attempts) launches over \(folders.count) zoo(s); "
            + "up to \(recordedBeforeResume) checkpoints recorded before a resume")

        let uninterrupted = try Zoo.create(at: reference, plan: plan)
        _ = try ZooBuilder(zoo: uninterrupted, workers: 2).build()
        let expected = try ZooFixture.checksums(uninterrupted)
        for folder in folders {
            let finish = try launch(folder)
            finish.waitUntilExit()
            XCTAssertEqual(finish.terminationStatus, 0)
            let zoo = try Zoo.open(folder)
            let report = try zoo.verify()
            XCTAssertTrue(report.isSound, "\(report.problems)")
            XCTAssertEqual(report.runsMissing, 0)
            XCTAssertEqual(report.runsChecked, 60)
            XCTAssertEqual(report.checkpointsChecked, 60 * 4)
            XCTAssertEqual(try ZooFixture.checksums(zoo), expected)
        }
    }
}
