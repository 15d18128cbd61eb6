/// Migration 12: removing a required adapter no longer deletes its liveness rows in the list's
/// transaction (which held every report of that adapter until the list committed); the store deletes
/// them afterwards in short batches (`RequiredAdapters.sync`). An added adapter still gets a liveness
/// row on every resource of its type from the trigger.
extension Schema {
    static let requiredListV12 = requiredChangedFunction("CREATE OR REPLACE FUNCTION", onDelete: nil)
}
