import Foundation
import GRDB

extension Zoo {
    /// Raises the zoo in `folder` to `runsPerTask` runs per task and reopens it; nothing is
    /// trained here (`ZooBuilder` adds the new runs). Every recorded run is kept as it is: a
    /// run's seed, hyperparameters and checkpoint iterations depend on its index alone, so
    /// the grown zoo, once built, holds exactly the runs of a zoo created at that size — which
    /// is what lets one zoo serve a scaling study from its first runs to all of them.
    public static func grow(_ folder: URL, toRunsPerTask runsPerTask: Int) throws -> Zoo {
        let zoo = try open(folder)
        guard runsPerTask >= zoo.plan.runsPerTask else {
            throw ZooError.invalidPlan("\(folder.path) already plans \(zoo.plan.runsPerTask) runs per task; a zoo grows, it never shrinks "
                + "(train a generator on fewer runs with its --runs option instead)")
        }
        // A shard takes every n-th run of all tasks in turn, so with several tasks a new size
        // would move runs of the later tasks to other shards.
        if let shard = zoo.shard, zoo.plan.tasks.count > 1 {
            throw ZooError.incompatible("\(folder.path) is shard \(shard) of a zoo of \(zoo.plan.tasks.count) tasks: growing it would move "
                + "runs between shards; merge the shards (`weightgen zoo merge`) and grow the merged zoo")
        }
        var plan = zoo.plan
        plan.runsPerTask = runsPerTask
        let text = try plan.storedText()
        try zoo.database.queue.write { try $0.execute(sql: "UPDATE zoo SET plan = ? WHERE id = 1", arguments: [text]) }
        return try open(folder)
    }
}
