//! The form's token: the time the page was rendered and the page it belongs to,
//! signed, so the endpoint can refuse posts made faster than a person types and posts
//! aimed at a page the form was never on.
//!
//! The signature is SipHash-2-4 with a 128-bit secret key and a 128-bit output, a
//! pseudorandom function meant for authenticating short messages. The key is
//! `PIAZZA_COMMENTS_KEY` (32 hex digits, for a site built in CI and received on a
//! server), else the file `.piazza-comments-key` in the site, made on first use.
//!
//! The time is the page's own date (`updated`, else `date`), not the build's clock,
//! so that building an unchanged site gives the same bytes: the check holds back bots
//! that post the moment a newly dated page exists, and tokens made for another page or
//! by another site, not a bot that fetched the page long before.

use std::hash::Hasher;
use std::io::Write as _;
use std::path::Path;

use siphasher::sip128::{Hash128, Hasher128, SipHasher24};

use crate::error::Error;

/// The environment variable that gives the key.
pub const KEY_VAR: &str = "PIAZZA_COMMENTS_KEY";
/// The key's file in the site folder.
pub const KEY_FILE: &str = ".piazza-comments-key";

/// A secret signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 16]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// The key from `PIAZZA_COMMENTS_KEY`, else from the site's key file, which is
    /// created (readable by its owner only) when it does not exist.
    pub fn load_or_create(root: &Path) -> Result<Key, Error> {
        if let Ok(hex) = std::env::var(KEY_VAR) {
            return Key::from_hex(hex.trim()).ok_or_else(|| {
                Error::new(format!("{KEY_VAR} is not 32 hexadecimal digits"))
                    .hint("make one with `openssl rand -hex 16`")
            });
        }
        let path = root.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Key::from_hex(text.trim()).ok_or_else(|| {
                Error::in_file(KEY_FILE, "the comment form's key is not 32 hexadecimal digits")
                    .hint("delete the file; piazza makes a new one (forms of pages built before stop working)")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Key::create(&path),
            Err(e) => Err(Error::io(Path::new(KEY_FILE), &e)),
        }
    }

    fn create(path: &Path) -> Result<Key, Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::new(format!("no random numbers for the comment key: {e}")))?;
        let key = Key(bytes);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut f) => {
                f.write_all(format!("{}\n", key.hex()).as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| Error::io(Path::new(KEY_FILE), &e))?;
                Ok(key)
            }
            // Another piazza made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::io(Path::new(KEY_FILE), &e))?;
                Key::from_hex(text.trim())
                    .ok_or_else(|| Error::in_file(KEY_FILE, "the key file is being written"))
            }
            Err(e) => Err(Error::io(Path::new(KEY_FILE), &e)),
        }
    }

    /// Parses 32 hex digits.
    pub fn from_hex(hex: &str) -> Option<Key> {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Key(bytes))
    }

    fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A value that changes with the key but tells nothing about it (fingerprints).
    pub fn id(&self) -> u128 {
        u128::from(self.mac("piazza-key-id", 0))
    }

    fn mac(&self, page: &str, time: i64) -> Hash128 {
        let mut h = SipHasher24::new_with_key(&self.0);
        h.write(b"piazza-comment-form-v1\0");
        h.write(page.as_bytes());
        h.write(b"\0");
        h.write(&time.to_le_bytes());
        h.finish128()
    }

    /// The token of the form on page `page` (a site path) rendered at `time`.
    pub fn sign(&self, page: &str, time: i64) -> String {
        format!("{time}-{:032x}", u128::from(self.mac(page, time)))
    }

    /// The render time of a token made by [`Key::sign`] for `page`, if it is genuine.
    pub fn verify(&self, page: &str, token: &str) -> Option<i64> {
        let (time, mac) = token.split_once('-')?;
        let time: i64 = time.parse().ok()?;
        let mac = u128::from_str_radix(mac, 16).ok()?;
        // Hash128's comparison takes the same time wherever the two differ.
        (Hash128::from(mac) == self.mac(page, time)).then_some(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_page_and_time() {
        let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
        let t = key.sign("/guides/a/", 1000);
        assert_eq!(key.verify("/guides/a/", &t), Some(1000));
        assert_eq!(key.verify("/guides/b/", &t), None);
        let forged = t.replacen("1000", "999", 1);
        assert_eq!(key.verify("/guides/a/", &forged), None);
        let other = Key::from_hex("ff0102030405060708090a0b0c0d0e0f").unwrap();
        assert_eq!(other.verify("/guides/a/", &t), None);
    }
}
