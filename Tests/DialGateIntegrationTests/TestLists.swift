/// Small list directories the integration tests run the daemon on, so each test states the
/// facts it relies on. Calls are checked at `monday`, a Monday inside calling hours in Paris.
enum TestLists {
    static let monday = "2026-11-30T10:15:00+01:00"
    /// Sunday: no prospecting call (C. consom. L223-1, décret 2022-1313).
    static let sunday = "2026-11-29T10:15:00+01:00"
    static let consenting = "+33611111111"
    static let optedOut = "+33622222222"
    static let unknown = "+33633333333"

    static let standard: [String: String] = [
        "internal-optout.txt": """
            # dialgate-list kind=internal-optout as-of=2026-11-01
            06 22 22 22 22
            06 22 22 22 23
            06 22 22 22 24

            """,
        "consents.csv": """
            # dialgate-list kind=consents as-of=2026-11-01
            number;kind;scope;given_at;proof
            0611111111;prospecting;*;2026-10-01T12:00:00Z;web-form-v3
            0611111112;prospecting;*;2026-10-01T12:00:00Z;web-form-v3

            """,
    ]

    /// The answer head the standard lists give for each test number at `monday`.
    static let expected: [(number: String, head: String)] = [
        (consenting, "ALLOW consent"),
        (optedOut, "DENY internal-optout"),
        (unknown, "DENY no-consent"),
    ]
}
