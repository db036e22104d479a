//! The one hash piazza keeps: SipHash-1-3 with fixed keys, from the `siphasher` crate
//! comrak already builds on. `std`'s `DefaultHasher` may change with any Rust release,
//! and piazza stores hashes that outlive a run (the key inside every share card PNG,
//! the fingerprints of watch mode), so they come from an algorithm that is written down.

use std::hash::{Hash, Hasher};

pub use siphasher::sip::SipHasher13 as StableHasher;

/// A fresh hasher; every hash piazza computes starts here.
pub fn hasher() -> StableHasher {
    StableHasher::new_with_keys(0, 0)
}

/// The hash of one value.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

/// The same hash fed piece by piece for keys that name files on disk (the card
/// cache): every piece is length-prefixed, so `("ab", "c")` and `("a", "bc")` differ
/// however `std`'s `Hash` impls write them.
pub struct StableHash(StableHasher);

impl Default for StableHash {
    fn default() -> Self {
        StableHash(hasher())
    }
}

impl StableHash {
    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.write(&(b.len() as u64).to_le_bytes());
        self.0.write(b);
        self
    }

    /// A string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A number.
    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.0.write(&n.to_le_bytes());
        self
    }

    /// An optional string (none and empty differ).
    pub fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.u64(1).str(s),
            None => self.u64(0),
        }
    }

    /// The hash.
    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

#[cfg(test)]
const PIECES: u64 = 15_288_009_811_714_166_988;

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned values: if they change, every stored card key changes with them.
    #[test]
    fn is_pinned() {
        assert_eq!(of("piazza"), 6_226_703_962_664_114_370);
        assert_eq!(of(&(1u32, "a")), 18_401_673_941_424_689_880);
        assert_eq!(StableHash::default().str("piazza").finish(), PIECES);
        assert_ne!(
            StableHash::default().str("ab").str("c").finish(),
            StableHash::default().str("a").str("bc").finish()
        );
    }
}
