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

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned values: if they change, every stored card key changes with them.
    #[test]
    fn is_pinned() {
        assert_eq!(of("piazza"), 6_226_703_962_664_114_370);
        assert_eq!(of(&(1u32, "a")), 18_401_673_941_424_689_880);
    }
}
