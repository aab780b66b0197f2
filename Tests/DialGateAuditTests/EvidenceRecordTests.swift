import Crypto
import DialGateCore
import Foundation
import Testing

@testable import DialGateAudit

@Suite("Manifests and policies as the daemon journals them")
struct EvidenceRecordTests {
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    static let now = Date(timeIntervalSince1970: 1_796_030_100)

    static func snapshot(_ files: [(name: String, text: String)]) throws -> Snapshot {
        var digests: [String: String] = [:]
        var parsed: [ListFile] = []
        for file in files {
            digests[file.name] = sha256(Array(file.text.utf8))
            parsed.append(try ListFile.parse(name: file.name, contents: Data(file.text.utf8), now: now))
        }
        return Snapshot(files: parsed, sha256: digests, loadedAt: now, hash: sha256)
    }

    static let lists = [
        (name: "z-internal.txt", text: "# dialgate-list kind=internal-optout as-of=2026-11-01 source=crm\n0199000001\n0199000002\n"),
        (name: "B-bloctel.txt", text: "# dialgate-list kind=bloctel-cleared as-of=2026-11-02\n0199000003\n"),
    ]

    @Test("the snapshot id is the start of the SHA-256 of the files' sha256sum lines in byte order of their names")
    func snapshotID() throws {
        let snapshot = try Self.snapshot(Self.lists)
        let manifest = ListManifest(snapshot)
        // "B" (0x42) sorts before "z" (0x7a) in bytes, as LC_ALL=C sort has it.
        #expect(manifest.sha256sumText == "\(Self.sha256(Array(Self.lists[1].text.utf8)))  B-bloctel.txt\n"
            + "\(Self.sha256(Array(Self.lists[0].text.utf8)))  z-internal.txt\n")
        #expect(snapshot.sha256 == manifest.sha256)
        #expect(snapshot.id == String(manifest.sha256.prefix(16)))
        #expect(Snapshot.empty(loadedAt: Self.now).sha256 == Self.sha256([]))
    }

    @Test("the manifest's JSON names each file with its kind, as-of, records and SHA-256, and reads back the same")
    func manifestJSON() throws {
        let manifest = ListManifest(try Self.snapshot(Self.lists))
        let back = try #require(ListManifest(json: manifest.json))
        #expect(back == manifest)
        let optOut = try #require(back.files.first { $0.name == "z-internal.txt" })
        #expect(optOut.kind == "internal-optout" && optOut.asOf == "2026-11-01" && optOut.records == 2)
        #expect(optOut.attributes == ["source": "crm"])
        #expect(ListManifest(json: "not json") == nil)
    }

    @Test("the list-loaded entry repeats each file's name and SHA-256 for journalctl matches")
    func manifestFields() throws {
        let manifest = ListManifest(try Self.snapshot(Self.lists))
        let fields = manifest.journalFields
        #expect(fields.filter { $0.name == AuditField.listSHA256 }.map(\.value).sorted() == manifest.files.map(\.sha256).sorted())
        #expect(fields.filter { $0.name == AuditField.listFile }.map(\.value) == ["B-bloctel.txt", "z-internal.txt"])
        #expect(fields.first { $0.name == AuditField.listCount }?.value == "2")
    }

    @Test("the policy entry has a field for each policy key, and its JSON reads back to the same values")
    func policyFields() throws {
        var settings = PolicySettings()
        settings.maxAttempts = 3
        let campaign = Campaign(id: "fibre-promo", purpose: .commercial, audience: .consumer, channel: .voice, offers: ["telecom", "mobile"])
        let record = PolicyRecord(policy: settings, campaigns: [campaign])
        let fields = Dictionary(record.journalFields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(fields["DIALGATE_POLICY_MAX_ATTEMPTS"] == "3")
        #expect(fields["DIALGATE_POLICY_ATTEMPT_WINDOW_DAYS"] == "30")
        #expect(fields["DIALGATE_POLICY_CALLING_SLOTS"] == "10:00-13:00,14:00-20:00")
        #expect(fields["DIALGATE_POLICY_CONSENT_LIFTS_FREQUENCY_AND_REFUSAL"] == "false")
        #expect(fields["DIALGATE_POLICY_OPT_IN_START"] == "2026-08-11")
        #expect(fields["DIALGATE_POLICY_SECTOR_BAN"]?.contains("renewable-energy since=2026-08-11 channels=voice rule=C. consom. L223-1") == true)
        for key in PolicyRecord.keys { #expect(fields[PolicyRecord.fieldName(of: key)] != nil, "no field for \(key)") }
        let back = try #require(PolicyRecord(policyJSON: record.policyJSON, campaignsJSON: record.campaignsJSON))
        #expect(back == record)
        #expect(back.campaigns.first?["offers"] == "mobile|telecom")
        #expect(fields[AuditField.policyID] == record.id)
    }

    @Test("equal rules have equal policy ids; a changed value or campaign changes it")
    func policyID() {
        let base = PolicyRecord(policy: PolicySettings(), campaigns: [])
        #expect(base.id == PolicyRecord(policy: PolicySettings(), campaigns: []).id)
        #expect(base.id.count == 16)
        var fewer = PolicySettings()
        fewer.maxAttempts = 2
        #expect(PolicyRecord(policy: fewer, campaigns: []).id != base.id)
        let campaign = Campaign(id: "x", purpose: .press, audience: .consumer, channel: .voice, offers: [])
        #expect(PolicyRecord(policy: PolicySettings(), campaigns: [campaign]).id != base.id)
    }
}
