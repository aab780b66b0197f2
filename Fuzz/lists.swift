@testable import DialGateCore
import Foundation

/// Fuzz target `lists`: `ListFile.parse(name:contents:now:maxBadLineShare:)`, the pure entry
/// point that turns one list file's bytes into records and problems (the directory loader
/// only adds file I/O around it), on any bytes.
///
/// Properties, each a trap when broken:
/// - parsing never crashes, whatever the bytes;
/// - a refusal says why: at least one problem that is not a mere bad line;
/// - an accepted file has records, as many as its content holds, every number a valid
///   normalised key, and no more listed bad lines than `maxListedBadLines` plus the one that
///   counts the rest.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLists(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = Data(fuzzInput(data, size))
    // A fixed "now" after every as-of date of the seeds, so that runs are reproducible.
    let now = Date(timeIntervalSince1970: 1_796_030_100)  // 2026-11-30T09:15:00Z
    // The default share refuses most mutated files; a lenient one lets them reach the success checks.
    for share in [0.01, 1.0] {
        switch Result(catching: { () throws(ListLoadFailure) in
            try ListFile.parse(name: "fuzz.csv", contents: contents, now: now, maxBadLineShare: share)
        }) {
        case .failure(let failure):
            invariant(
                failure.problems.contains { $0.cause != .badLine }, "refused without a file-level problem: \(failure)")
        case .success(let file):
            check(file)
        }
    }
    return 0
}

/// The accepted file is consistent with itself.
private func check(_ file: ListFile) {
    invariant(file.records > 0, "accepted with no records")
    invariant(file.problems.count <= ListFile.maxListedBadLines + 1, "\(file.problems.count) problems listed")
    invariant(file.problems.allSatisfy { $0.cause == .badLine }, "accepted with a file-level problem: \(file.problems)")
    invariant((file.badLines == 0) == file.problems.isEmpty, "\(file.badLines) bad lines, \(file.problems.count) listed")
    let keys: [UInt64]
    switch file.content {
    case .numbers(let numbers): keys = numbers
    case .consents(let consents): keys = consents.map(\.key)
    case .contracts(let contracts): keys = contracts.map(\.key)
    case .businessContacts(let contacts): keys = contacts.map(\.key)
    case .compiled:
        // Only a .dgidx file gives a compiled list; text never parses to one.
        invariant(false, "text parsed to a compiled list")
        return
    }
    invariant(keys.count == file.records, "\(file.records) records counted, \(keys.count) kept")
    for key in keys {
        invariant(PhoneNumber(key: key) != nil, "key \(key) is not a valid normalised number")
    }
    _ = file.summary
}
