//! Names of the sea network's passages, as `route.avoid` accepts them.

/// The canonical passage names (the sea network's `passage` tags).
pub const PASSAGES: &[&str] = &[
    "suez",
    "panama",
    "malacca",
    "gibraltar",
    "babalmandab",
    "ormuz",
    "bosporus",
    "dardanelles",
    "sunda",
    "south_africa",
    "chili",
    "northwest",
    "bering",
];

/// Passages that are closed unless `route.allow_arctic` is set.
pub const ARCTIC_PASSAGES: &[&str] = &["northwest", "bering"];

/// Maps a passage name or common alias to its canonical name: case, spaces,
/// dashes and underscores are ignored, so `Bab el-Mandeb`, `bab_el_mandeb` and
/// `babalmandab` all give `babalmandab`; `hormuz` gives `ormuz`, `cape of good
/// hope` gives `south_africa`, `magellan` or `cape horn` give `chili`.
pub fn normalize_passage(name: &str) -> Option<&'static str> {
    let key: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let canonical = match key.as_str() {
        "suez" | "suezcanal" => "suez",
        "panama" | "panamacanal" => "panama",
        "malacca" | "straitofmalacca" | "malaccastrait" => "malacca",
        "gibraltar" | "straitofgibraltar" => "gibraltar",
        "babalmandab" | "babelmandeb" | "babalmandeb" | "babelmandab" => "babalmandab",
        "ormuz" | "hormuz" | "straitofhormuz" | "straitoformuz" => "ormuz",
        "bosporus" | "bosphorus" => "bosporus",
        "dardanelles" => "dardanelles",
        "sunda" | "sundastrait" | "straitofsunda" => "sunda",
        "southafrica" | "capeofgoodhope" | "goodhope" | "capegoodhope" => "south_africa",
        "chili" | "chile" | "magellan" | "straitofmagellan" | "capehorn" => "chili",
        "northwest" | "northwestpassage" => "northwest",
        "bering" | "beringstrait" => "bering",
        _ => return None,
    };
    Some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases() {
        for (alias, want) in [
            ("bab-el-mandeb", "babalmandab"),
            ("babalmandab", "babalmandab"),
            ("bab el mandeb", "babalmandab"),
            ("Hormuz", "ormuz"),
            ("ormuz", "ormuz"),
            ("cape of good hope", "south_africa"),
            ("cape-of-good-hope", "south_africa"),
            ("south_africa", "south_africa"),
            ("good hope", "south_africa"),
            ("magellan", "chili"),
            ("chili", "chili"),
            ("cape horn", "chili"),
            ("SUEZ", "suez"),
        ] {
            assert_eq!(normalize_passage(alias), Some(want), "{alias}");
        }
        for p in PASSAGES {
            assert_eq!(normalize_passage(p), Some(*p));
        }
        assert_eq!(normalize_passage("atlantis"), None);
        assert_eq!(normalize_passage(""), None);
    }
}
