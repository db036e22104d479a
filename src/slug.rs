//! Slugs for URLs: lowercase ASCII, accents transliterated, punctuation to single hyphens.

/// Turns a title or file name into a URL slug: "Perché l’e-mail è viva?" -> "perche-l-e-mail-e-viva".
///
/// Emoji are dropped rather than spelled out as words, `n°` becomes `n` and `€` becomes
/// `euro`, which is what an Italian reader expects to see in an address.
pub fn slugify(text: &str) -> String {
    let mut prepared = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '°' | 'º' | 'ª' => {}
            '€' => prepared.push_str(" euro "),
            '&' => prepared.push(' '),
            c if is_pictograph(c) => prepared.push(' '),
            c => prepared.push(c),
        }
    }
    let ascii = deunicode::deunicode(&prepared);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    slug
}

/// Emoji and pictographs, which deunicode would otherwise turn into English words.
fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE00..=0xFE0F | 0x200D | 0xE0000..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn italian_titles() {
        assert_eq!(
            slugify("Per quali aziende funziona il social media marketing?"),
            "per-quali-aziende-funziona-il-social-media-marketing"
        );
        assert_eq!(
            slugify("Perché l’e-mail è ancora viva: 95 tesi"),
            "perche-l-e-mail-e-ancora-viva-95-tesi"
        );
        assert_eq!(
            slugify("Tesi n° 1: «I mercati sono conversazioni»"),
            "tesi-n-1-i-mercati-sono-conversazioni"
        );
        assert_eq!(
            slugify("Qualità & fiducia — 10€"),
            "qualita-fiducia-10-euro"
        );
        assert_eq!(slugify("ÀÈÌÒÙ àèìòù 😀"), "aeiou-aeiou");
        assert_eq!(slugify("😀"), "");
    }
}
