import Foundation
import XCTest
@testable import Zoo

/// A test case with a fresh phantom dataset and temporary folders removed after each test.
class PhantomZooTestCase: XCTestCase {
    var dataset: URL!
    private var folders: [URL] = []

    override func setUpWithError() throws {
        dataset = try ZooFixture.phantomFolder()
        folders = [dataset]
    }

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    /// A zoo of `plan` built, with one bit flipped near the end of its first run's file (the
    /// last tensor's data: a parameter vector, or an optimiser state where the zoo keeps them).
    func builtZooWithACorruptedRun(_ plan: ZooPlan) throws -> (zoo: Zoo, run: RunRecord) {
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 1).build()
        let run = try XCTUnwrap(zoo.runs().first)
        let url = zoo.url(ofRunFile: run.file)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: url)
        return (zoo, run)
    }

    /// A temporary folder (not yet created) removed after the test.
    func newFolder() -> URL {
        let folder = ZooFixture.temporaryZooFolder()
        folders.append(folder)
        return folder
    }
}
