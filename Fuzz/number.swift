@testable import DialGateCore

/// Fuzz target `number`: `PhoneNumber(parsing:)` on any text.
///
/// Properties, each a trap when broken:
/// - parsing never crashes, whatever the text (invalid UTF-8 arrives repaired, as
///   `String(decoding:)` makes it);
/// - the `String` and the generic (`Substring`) entry points agree, number or error;
/// - an accepted number is a valid normalised key (`PhoneNumber(key:)` takes it back), and its
///   E.164 `description` parses to the same key: normalising is idempotent;
/// - the list files' fast path (`ListNumberParser`) gives the same key as the general parser,
///   so that a list and a query agree on who a number is.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumber(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let text = String(decoding: bytes, as: UTF8.self)

    let parsed = Result { () throws(PhoneNumberError) in try PhoneNumber(parsing: text) }
    let parsedGeneric = Result { () throws(PhoneNumberError) in try PhoneNumber(parsing: Substring(text)) }
    invariant(parsed == parsedGeneric, "String and Substring parsing disagree on \(shown(text)): \(parsed) vs \(parsedGeneric)")

    var utf8 = text
    let listKey = utf8.withUTF8 { ListNumberParser.fastKey(UnsafeRawBufferPointer($0)) }

    switch parsed {
    case .success(let number):
        invariant(PhoneNumber(key: number.key) == number, "\(shown(text)) gave the unnormalised key \(number.key)")
        let again = Result { () throws(PhoneNumberError) in try PhoneNumber(parsing: number.description) }
        invariant(
            again == .success(number), "\(shown(text)) gave \(number), which parses back as \(again)")
        if let listKey {
            invariant(listKey == number.key, "list fast path gives \(listKey) for \(shown(text)), the parser \(number.key)")
        }
    case .failure(let error):
        invariant(listKey == nil, "list fast path accepts \(shown(text)) as \(listKey!), the parser refuses: \(error)")
        _ = error.description
    }
    return 0
}
