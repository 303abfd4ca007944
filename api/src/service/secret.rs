//! Keyed hashes: client addresses at rest, and comment owner tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The server's secret, the same on every replica. `Debug` prints it
/// redacted; only the HMAC keying reads it.
#[derive(Debug, Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self(secret.into())
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// A client address as stored: a keyed hash, so the address itself is
    /// never kept, yet the same client is recognised on every replica.
    pub fn client_hash(&self, address: &str) -> String {
        hex(&self.mac(&[b"client", address.as_bytes()]))
    }

    /// A new comment's owner token. With an idempotency key (unique per
    /// comment) it is derived from the key, so a retry that lost the first
    /// response gets the same token back; without one it is random.
    pub fn owner_token(&self, idempotency_key: Option<&str>) -> String {
        let bytes = match idempotency_key {
            Some(key) => self.mac(&[b"owner", key.as_bytes()]),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// The form a secret token is stored in: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

/// The SHA-256 of `text`, in lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// `bytes` in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_owner_token_is_stable_and_depends_on_every_part() {
        let s = Secret::new("k");
        let t = s.owner_token(Some("key"));
        assert_eq!(t, s.owner_token(Some("key")));
        assert_ne!(t, s.owner_token(Some("other")));
        assert_ne!(t, Secret::new("k2").owner_token(Some("key")));
    }

    #[test]
    fn random_owner_tokens_differ() {
        let s = Secret::new("k");
        assert_ne!(s.owner_token(None), s.owner_token(None));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let printed = format!("{:?}", Secret::new("k-very-secret"));
        assert!(!printed.contains("k-very-secret"), "{printed}");
    }

    #[test]
    fn a_client_hash_hides_the_address() {
        let h = Secret::new("k").client_hash("203.0.113.9");
        assert_eq!(h.len(), 64);
        assert!(!h.contains("203"));
    }
}
