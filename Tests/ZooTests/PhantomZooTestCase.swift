import Foundation
import XCTest

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

    /// A temporary folder (not yet created) removed after the test.
    func newFolder() -> URL {
        let folder = ZooFixture.temporaryZooFolder()
        folders.append(folder)
        return folder
    }
}
