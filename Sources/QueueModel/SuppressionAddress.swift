/// How addresses become suppression keys.
///
/// The whole address is lowercased, local part included, as most MTAs and ESPs do for
/// suppression lists: a complaint from `Bob@Example.com` must also stop mail to
/// `bob@example.com`, and the rare system with case-sensitive local parts loses
/// little by it. Only ASCII letters are lowercased: Unicode case mapping can change
/// between Swift versions, and every node MUST compute the same key.
public enum SuppressionAddress {
    /// The suppression key of an address or `@domain`: ASCII-lowercased, with
    /// surrounding angle brackets removed.
    /// - Parameter address: an address (`Bob@Example.com`) or a domain (`@Example.com`).
    /// - Returns: the normalised form (`bob@example.com`, `@example.com`).
    public static func normalise(_ address: String) -> String {
        String(decoding: normalisedBytes(address), as: UTF8.self)
    }

    /// `normalise(address)` as the UTF-8 bytes of the stored key, without building a
    /// string (the form every enqueue looks up, once per recipient).
    /// - Parameter address: an address or a domain.
    /// - Returns: the key bytes.
    public static func normalisedBytes(_ address: String) -> [UInt8] {
        var bytes = Array(address.utf8)
        if bytes.count >= 2, bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">") {
            bytes = Array(bytes.dropFirst().dropLast())
        }
        for index in bytes.indices where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[index]) {
            bytes[index] += 32
        }
        return bytes
    }

    /// The key that suppresses the whole domain of `address`: `@` and the normalised
    /// part after the last `@`.
    /// - Parameter address: an address.
    /// - Returns: `@domain`, or `nil` if `address` has no `@` or nothing after it, or is
    ///   itself a domain entry.
    public static func domainKey(of address: String) -> String? {
        domainKeyBytes(ofNormalised: normalisedBytes(address)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `domainKey(of:)` for an address already in `normalisedBytes` form.
    /// - Parameter normalised: the address's key bytes.
    /// - Returns: the domain key's bytes, or `nil` (see `domainKey(of:)`).
    public static func domainKeyBytes(ofNormalised normalised: [UInt8]) -> [UInt8]? {
        guard let at = normalised.lastIndex(of: UInt8(ascii: "@")), at > 0, at + 1 < normalised.count else {
            return nil
        }
        return Array(normalised[at...])
    }

    /// Whether `address` (after normalising) is usable as a suppression key: an
    /// address with a non-empty local part and domain, or `@domain`.
    /// - Parameter address: the address or domain.
    /// - Returns: `true` if it can be stored.
    public static func isUsable(_ address: String) -> Bool {
        let normalised = Array(normalise(address).utf8)
        guard let at = normalised.lastIndex(of: UInt8(ascii: "@")), at + 1 < normalised.count else { return false }
        return !normalised.contains(where: { $0 <= 0x20 || $0 == 0x7f })
    }
}
