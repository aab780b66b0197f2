import Crypto
import DialGateCore
import Foundation

/// What a list load was made of, as the daemon journals it in its list-loaded entry
/// (`MESSAGE_ID=f093e165…`) and `dialgate audit report` reads it back: for every file, its
/// name, kind, as-of date, records, bad lines, header attributes and the SHA-256 of its bytes.
///
/// The snapshot id every decision carries (`DIALGATE_SNAPSHOT`) is the first 16 hex digits of
/// the SHA-256 of `sha256sumText`, so a decision ties to the files it was made from, and an
/// auditor holding copies of the files checks them with `sha256sum -c`.
public struct ListManifest: Sendable, Equatable {
    /// One file of the load.
    public struct File: Sendable, Equatable {
        public var name: String
        public var kind: String
        public var asOf: String
        public var records: Int
        public var badLines: Int
        public var sha256: String
        public var attributes: [String: String]

        public init(
            name: String, kind: String, asOf: String, records: Int, badLines: Int, sha256: String,
            attributes: [String: String] = [:]
        ) {
            self.name = name
            self.kind = kind
            self.asOf = asOf
            self.records = records
            self.badLines = badLines
            self.sha256 = sha256
            self.attributes = attributes
        }
    }

    /// By file name.
    public var files: [File]

    public init(files: [File]) {
        self.files = files
    }

    /// The manifest of a loaded snapshot.
    public init(_ snapshot: Snapshot) {
        files = snapshot.manifest.map { file in
            File(
                name: file.name, kind: file.kind.rawValue, asOf: file.asOf.description, records: file.records,
                badLines: file.badLines, sha256: file.sha256, attributes: file.attributes)
        }
    }

    /// The `DIALGATE_MANIFEST` value: one JSON array, one object per file with the keys
    /// `name`, `kind`, `as_of`, `records`, `bad_lines`, `sha256`, `attributes`, in that order.
    public var json: String {
        JSONText.array(
            files.map { file in
                .object([
                    ("name", .string(file.name)), ("kind", .string(file.kind)), ("as_of", .string(file.asOf)),
                    ("records", .integer(file.records)), ("bad_lines", .integer(file.badLines)),
                    ("sha256", .string(file.sha256)), ("attributes", .sortedObject(file.attributes)),
                ])
            }
        ).text
    }

    /// Reads a `DIALGATE_MANIFEST` value back; nil when it is not one.
    public init?(json: String) {
        guard let array = JSONText.parse(json) as? [Any] else { return nil }
        var files: [File] = []
        for element in array {
            guard let object = element as? [String: Any], let name = object["name"] as? String,
                let sha256 = object["sha256"] as? String
            else { return nil }
            files.append(
                File(
                    name: name, kind: object["kind"] as? String ?? "?", asOf: object["as_of"] as? String ?? "?",
                    records: JSONText.integer(object["records"]) ?? 0,
                    badLines: JSONText.integer(object["bad_lines"]) ?? 0, sha256: sha256,
                    attributes: object["attributes"] as? [String: String] ?? [:]))
        }
        self.files = files
    }

    /// The files as `sha256sum` prints them, in the byte order of their names: the text the
    /// snapshot's SHA-256 is made over, and what `sha256sum -c` checks copies against.
    public var sha256sumText: String {
        files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }.map { "\($0.sha256)  \($0.name)\n" }.joined()
    }

    /// SHA-256 of `sha256sumText`, 64 hex digits: the snapshot's `DIALGATE_SNAPSHOT_SHA256`,
    /// of which `DIALGATE_SNAPSHOT` is the first 16. A manifest read back from the journal
    /// whose digest is not its entry's snapshot id was altered.
    public var sha256: String {
        Hex.lowercase(SHA256.hash(data: Array(sha256sumText.utf8)))
    }

    /// The fields of a list-loaded entry that carry the manifest: the JSON, the count, and
    /// each file's name and SHA-256 as repeated fields for journalctl matches. (journald keeps
    /// no order among repeated fields: only the JSON pairs a name with its digest.)
    public var journalFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            (AuditField.listCount, String(files.count)), (AuditField.manifest, json),
        ]
        for file in files {
            fields.append((AuditField.listFile, file.name))
            fields.append((AuditField.listSHA256, file.sha256))
        }
        return fields
    }
}
