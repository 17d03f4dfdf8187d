//! Name-based UUIDs (RFC 4122 / RFC 9562 version 5: SHA-1 of a namespace and
//! a name), so that exporting the same incident twice yields the same
//! identifiers and the receiving platform updates rather than duplicates.
//!
//! STIX 2.1 (§2.9) requires version 5 for deterministic SCO identifiers, under
//! its namespace [`STIX_SCO_NAMESPACE`], over the JSON-canonicalised
//! (RFC 8785) ID-contributing properties; [`crate::stix`] does exactly that, so
//! an `ipv4-addr` from canhgac has the id any STIX 2.1 library computes. Every
//! other object's name is `kind:incident-id:…` under [`CANHGAC_NAMESPACE`].
//! We compute version 5 ourselves with the `sha1` crate rather than pulling in
//! the `uuid` crate: it is a dozen lines, and `sha1` is already in the lock file.

use sha1::{Digest, Sha1};
use std::fmt;

/// A UUID as 16 bytes, printed in the hyphenated lower-case form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

/// The namespace of STIX 2.1 deterministic SCO identifiers.
pub const STIX_SCO_NAMESPACE: Uuid = Uuid([
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
]);

/// canhgac's namespace: `uuid5(NAMESPACE_URL, "urn:canhgac:incident")`
/// = c5a9ab7e-8c5f-562d-ad63-454cb0e80203.
pub const CANHGAC_NAMESPACE: Uuid = Uuid([
    0xc5, 0xa9, 0xab, 0x7e, 0x8c, 0x5f, 0x56, 0x2d, 0xad, 0x63, 0x45, 0x4c, 0xb0, 0xe8, 0x02, 0x03,
]);

/// Version 5 UUID of `name` in `namespace`.
pub fn v5(namespace: Uuid, name: &[u8]) -> Uuid {
    let mut h = Sha1::new();
    h.update(namespace.0);
    h.update(name);
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid(b)
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = hex::encode(self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACE_URL: Uuid = Uuid([
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ]);

    #[test]
    fn matches_reference_implementation() {
        // Values from Python's uuid.uuid5.
        assert_eq!(
            v5(NAMESPACE_URL, b"urn:canhgac:incident"),
            CANHGAC_NAMESPACE
        );
        assert_eq!(
            v5(STIX_SCO_NAMESPACE, br#"{"value":"198.51.100.3"}"#).to_string(),
            "28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            v5(STIX_SCO_NAMESPACE, r#"{"name":"hóa đơn.exe"}"#.as_bytes()).to_string(),
            "af2c8e0a-e8f2-58a8-a9a2-435922efd51a"
        );
    }
}
