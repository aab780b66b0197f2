import DialGateAudit
import DialGateSystemd
import Foundation
import Testing

/// systemd/dialgate.catalog explains every MESSAGE_ID dialgate writes, and only those.
@Suite("Journal catalog")
struct CatalogTests {
    private static let catalogURL = TestSupport.systemdDirectory.appendingPathComponent("dialgate.catalog")

    /// One `-- <id>` section of the catalog: its headers and body.
    private struct Section {
        var id: String
        var headers: [String: String] = [:]
        var body: [String] = []
    }

    /// Parses the catalog as journalctl's importer does: `#` comments, a `-- <id> [lang]` line
    /// opening each section, `Key: value` headers up to a blank line, then the body.
    private static func sections() throws -> [Section] {
        let text = try String(contentsOf: catalogURL, encoding: .utf8)
        var sections: [Section] = []
        var inHeaders = false
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("-- ") {
                let words = line.dropFirst(3).split(separator: " ")
                #expect(words.count == 1, "line \(number + 1): a section line is '-- <id>' (no language: English)")
                sections.append(Section(id: String(words.first ?? "")))
                inHeaders = true
                continue
            }
            guard !sections.isEmpty else {
                #expect(line.isEmpty, "line \(number + 1): text before the first section")
                continue
            }
            if inHeaders {
                if line.isEmpty { inHeaders = false; continue }
                let parts = line.split(separator: ":", maxSplits: 1)
                #expect(parts.count == 2, "line \(number + 1): a header is 'Key: value'")
                if parts.count == 2 {
                    sections[sections.count - 1].headers[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
                }
            } else {
                sections[sections.count - 1].body.append(String(line))
            }
        }
        return sections
    }

    @Test("every message id is 128 random bits written as 32 lowercase hex digits, and unique")
    func idsWellFormed() {
        let ids = AuditMessageID.all.map(\.id)
        for id in ids {
            #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(id)")
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test("each catalog section has an id, a subject, Defined-By: dialgate and a body")
    func sectionsWellFormed() throws {
        let sections = try Self.sections()
        #expect(!sections.isEmpty)
        for section in sections {
            #expect(section.id.count == 32 && section.id.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(section.id)")
            #expect(section.headers["Subject"]?.isEmpty == false, "\(section.id) has no Subject")
            #expect(section.headers["Defined-By"] == "dialgate", "\(section.id)")
            #expect(section.body.contains { !$0.isEmpty }, "\(section.id) has no explanation")
        }
        #expect(Set(sections.map(\.id)).count == sections.count, "an id is explained twice")
    }

    @Test("the catalog explains exactly the ids of AuditMessageID")
    func catalogMatchesConstants() throws {
        let catalogIDs = Set(try Self.sections().map(\.id))
        for (name, id) in AuditMessageID.all {
            #expect(catalogIDs.contains(id), "AuditMessageID.\(name) (\(id)) has no catalog entry")
        }
        #expect(catalogIDs == Set(AuditMessageID.all.map(\.id)), "the catalog has ids AuditMessageID lacks")
    }

    @Test("journalctl imports the catalog and lists every id with its subject")
    func journalctlImportsIt() throws {
        // journalctl --update-catalog reads <root>/usr/lib/systemd/catalog and writes
        // <root>/var/lib/systemd/catalog/database, so a temporary root checks the file with the
        // real importer without installing it.
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let catalogDirectory = root.appendingPathComponent("usr/lib/systemd/catalog")
        try FileManager.default.createDirectory(at: catalogDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.catalogURL, to: catalogDirectory.appendingPathComponent("dialgate.catalog"))

        let update = try TestSupport.run("/usr/bin/journalctl", ["--root=\(root.path)", "--update-catalog"])
        #expect(update.status == 0, "journalctl --update-catalog: \(update.standardError)")
        let list = try TestSupport.run("/usr/bin/journalctl", ["--root=\(root.path)", "--list-catalog"])
        #expect(list.status == 0, "journalctl --list-catalog: \(list.standardError)")
        let listed = Dictionary(uniqueKeysWithValues: list.standardOutput.split(separator: "\n").map { line in
            (String(line.prefix(32)), String(line.dropFirst(33)))
        })
        for (name, id) in AuditMessageID.all {
            #expect(listed[id]?.hasPrefix("dialgate: ") == true, "AuditMessageID.\(name) missing from journalctl --list-catalog")
        }
    }
}
