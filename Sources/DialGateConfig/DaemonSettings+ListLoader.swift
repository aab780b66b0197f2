import DialGateCore

extension DaemonSettings {
    /// The loader for `lists` with these limits.
    public var listLoader: ListDirectoryLoader {
        ListDirectoryLoader(directory: lists, maxShrink: maxShrink, maxBadLineShare: maxBadLineShare)
    }
}
