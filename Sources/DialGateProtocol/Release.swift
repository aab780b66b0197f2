/// This release of dialgate: what `VERSION`, `dialgated --version` and `dialgate --version`
/// say, from one place.
public enum Release {
    public static let version = "0.3.0"
    /// The wire protocol's version (Protocol.md).
    public static let protocolVersion = "3"
}
