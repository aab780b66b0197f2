import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Reads entries back from the local journal: `dialgate audit` and the tests that prove an
/// entry was really written.
///
/// A thin cursor over `sd_journal`: add matches, seek, then `next()` until nil. It never
/// blocks: after reaching the end, call `refresh()` and `next()` again later to see what
/// journald wrote since. One reader belongs to one task at a time (sd_journal is not
/// thread-safe), hence not Sendable.
public final class JournalReader {
    private let journal: OpaquePointer

    /// Opens the journal files of this machine (`SD_JOURNAL_LOCAL_ONLY`), as the current user
    /// may read them (root, or the `systemd-journal` and `adm` groups, see everything).
    public init() throws(SystemdError) {
        var journal: OpaquePointer? = nil
        try SystemdError.check(sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY)), "sd_journal_open")
        guard let journal else { throw .failed(function: "sd_journal_open", errno: ENOMEM) }
        self.journal = journal
        // No size cap on returned values (the default cuts at 64 KiB): an audit reads whole.
        _ = sd_journal_set_data_threshold(journal, 0)
        // Sets up inotify on the journal directories, so that `refresh()` sees journal files
        // created after opening; the descriptor itself is never waited on.
        _ = sd_journal_get_fd(journal)
    }

    deinit {
        sd_journal_close(journal)
    }

    /// Whether any journal file could be opened. sd_journal_open succeeds for a user who may
    /// read none of the system's files (it opens what it can, and skips the rest): such a
    /// reader finds nothing, which must not be mistaken for an empty journal.
    public var hasFiles: Bool {
        sd_journal_has_runtime_files(journal) > 0 || sd_journal_has_persistent_files(journal) > 0
    }

    /// Keeps only entries whose field `name` equals `value`. Matches on different fields must
    /// all hold; several matches on one field mean any of them. Call before seeking.
    public func addMatch(_ name: String, _ value: String) throws(SystemdError) {
        let match = Array((name + "=" + value).utf8)
        try SystemdError.check(
            match.withUnsafeBytes { sd_journal_add_match(journal, $0.baseAddress, $0.count) },
            "sd_journal_add_match"
        )
    }

    /// Drops every match.
    public func flushMatches() {
        sd_journal_flush_matches(journal)
    }

    /// Positions before the oldest entry: `next()` then returns the oldest.
    public func seekHead() throws(SystemdError) {
        try SystemdError.check(sd_journal_seek_head(journal), "sd_journal_seek_head")
    }

    /// Positions after the newest entry: `previous()` then returns the newest.
    public func seekTail() throws(SystemdError) {
        try SystemdError.check(sd_journal_seek_tail(journal), "sd_journal_seek_tail")
    }

    /// Positions before the first entry written at or after `microseconds` since the epoch
    /// (CLOCK_REALTIME): `next()` then returns it.
    public func seek(realtimeMicroseconds microseconds: UInt64) throws(SystemdError) {
        try SystemdError.check(sd_journal_seek_realtime_usec(journal, microseconds), "sd_journal_seek_realtime_usec")
    }

    /// When journald received the current entry, in microseconds since the epoch.
    public func realtimeMicroseconds() throws(SystemdError) -> UInt64 {
        var microseconds: UInt64 = 0
        try SystemdError.check(sd_journal_get_realtime_usec(journal, &microseconds), "sd_journal_get_realtime_usec")
        return microseconds
    }

    /// Takes in what changed on disk since the last call (new entries, new or rotated files),
    /// without waiting. Call before `next()` when polling for entries written meanwhile.
    public func refresh() throws(SystemdError) {
        try SystemdError.check(sd_journal_process(journal), "sd_journal_process")
    }

    /// Moves to the next matching entry and returns its fields, nil at the end.
    public func next() throws(SystemdError) -> [String: String]? {
        guard try SystemdError.check(sd_journal_next(journal), "sd_journal_next") > 0 else { return nil }
        return try currentFields()
    }

    /// Moves to the next matching entry and returns only the named fields it has, nil at the
    /// end. Much cheaper than `next()` when a few fields of many entries are wanted.
    public func next(fields names: [String]) throws(SystemdError) -> [String: String]? {
        guard try SystemdError.check(sd_journal_next(journal), "sd_journal_next") > 0 else { return nil }
        var fields: [String: String] = [:]
        for name in names {
            var data: UnsafeRawPointer? = nil
            var length = 0
            let result = sd_journal_get_data(journal, name, &data, &length)
            if result == -ENOENT { continue }
            try SystemdError.check(result, "sd_journal_get_data")
            guard let data else { continue }
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            // The data is "NAME=value".
            fields[name] = String(decoding: bytes.dropFirst(name.utf8.count + 1), as: UTF8.self)
        }
        return fields
    }

    /// Moves to the previous matching entry and returns its fields, nil at the start.
    public func previous() throws(SystemdError) -> [String: String]? {
        guard try SystemdError.check(sd_journal_previous(journal), "sd_journal_previous") > 0 else { return nil }
        return try currentFields()
    }

    /// The fields of the current entry, journald's trusted ones (`_PID`, …) included. A field
    /// written twice keeps its last value; a value that is not UTF-8 is decoded with
    /// replacement characters.
    private func currentFields() throws(SystemdError) -> [String: String] {
        var fields: [String: String] = [:]
        var data: UnsafeRawPointer? = nil
        var length = 0
        sd_journal_restart_data(journal)
        while try SystemdError.check(sd_journal_enumerate_data(journal, &data, &length), "sd_journal_enumerate_data") > 0 {
            guard let data else { continue }
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: bytes[..<equals], as: UTF8.self)
            fields[name] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        }
        return fields
    }
}
