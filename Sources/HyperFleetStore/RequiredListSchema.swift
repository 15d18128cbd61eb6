/// Migration 12: removing a required adapter no longer deletes its liveness rows in the list's
/// transaction (which held every report of that adapter until the list committed); the store deletes
/// them afterwards in short batches (`RequiredAdapters.sync`). The list's trigger now fires on INSERT
/// only: an added adapter still gets a liveness row on every resource of its type, and the DELETE
/// branch of migration 2's function is no longer reached.
extension Schema {
    static let requiredListV12 = """
        DROP TRIGGER required_adapters_sentinel ON hyperfleet_required_adapters;
        CREATE TRIGGER required_adapters_sentinel AFTER INSERT ON hyperfleet_required_adapters
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_sentinel_required_changed();
        """
}
