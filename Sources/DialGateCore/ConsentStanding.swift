/// Whether a consent allows a call, as `CallFacts.consent(_:for:at:)` finds it: the consent
/// that does, or why none does (shown in a `no-consent` decision as `consent=<why>`).
public enum ConsentStanding: Hashable, Sendable {
    /// This consent covers the campaign, was given before the call and is not withdrawn.
    case given(ConsentRecord)
    case absent(Absence)

    /// Why no consent allows the call, the most telling reason first: a withdrawal, then a
    /// consent given only after the call, then consents for other campaigns, then nothing.
    public enum Absence: String, Hashable, Sendable {
        /// A covering consent was withdrawn before the call (its own `revoked_at`, or a
        /// withdrawal covering the campaign).
        case revoked
        /// A covering consent was given only after the call.
        case notYetGiven = "not-yet-given"
        /// Consents exist, for other campaigns or offers.
        case otherScope = "other-scope"
        /// No consent of that kind at all.
        case none
    }

    /// The consent, when one allows the call.
    public var consent: ConsentRecord? {
        if case .given(let consent) = self { consent } else { nil }
    }
}
