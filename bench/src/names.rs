//! People's names from syllables, in a few styles, with the accents and
//! letters real credits have ("Agnès Varda", "Bong Joon-ho", "Zoë Kravitz",
//! "Søren Kierkegaard", "Łukasz Żal"), and film titles from words.

use crate::rng::Rng;

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "ch", "cl",
    "fr", "gr", "pr", "st", "tr", "h", "k", "", "",
];
const VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "ie", "ou", "ai",
];
const ACCENTED: &[&str] = &[
    "é", "è", "ë", "ê", "á", "à", "â", "ä", "í", "ï", "ó", "ô", "ö", "ú", "ü", "ø", "å", "ã",
];
/// Ends of the last syllable.
const CODAS: &[&str] = &[
    "n", "r", "s", "l", "m", "nd", "rt", "lle", "tte", "ck", "x", "sen", "son", "ski", "ez", "ng",
];
/// Letters of Central and Northern European names, some of which have no
/// decomposition (ł, ø, ß, ð): the name folding must handle them.
const SPECIAL_ONSETS: &[&str] = &["ł", "ś", "ž", "č", "ç", "ż", "ñ", "š", "ð"];
const PARTICLES: &[&str] = &[
    "de ", "van ", "von ", "da ", "di ", "Le ", "O'", "Mac", "del ",
];
/// Korean and Chinese names: family name first, given name of two
/// hyphenated syllables ("Bong Joon-ho").
const EAST_FAMILY: &[&str] = &[
    "Bong", "Park", "Kim", "Lee", "Choi", "Jung", "Kang", "Yoon", "Han", "Shin", "Zhang", "Wang",
    "Liu", "Chen", "Hou", "Jia", "Tsai", "Wong",
];
const EAST_GIVEN: &[&str] = &[
    "joon", "ho", "min", "seo", "jin", "woo", "ji", "hyun", "soo", "young", "eun", "tae", "chan",
    "kar", "wai", "hsiao", "ming", "zhang", "ke", "yi", "hee", "sung",
];

fn syllable(rng: &mut Rng, out: &mut String, accent: f64) {
    if rng.chance(0.04) {
        out.push_str(rng.pick(SPECIAL_ONSETS));
    } else {
        out.push_str(rng.pick(ONSETS));
    }
    if rng.chance(accent) {
        out.push_str(rng.pick(ACCENTED));
    } else {
        out.push_str(rng.pick(VOWELS));
    }
}

/// A capitalised word of a number of `syllables`, the last one often
/// closed by a consonant ("Agnès", "Varda", "Kravitz").
fn word(rng: &mut Rng, syllables: std::ops::RangeInclusive<usize>, accent: f64) -> String {
    let mut w = String::new();
    for _ in 0..rng.range(*syllables.start(), *syllables.end()) {
        syllable(rng, &mut w, accent);
    }
    if rng.chance(0.55) {
        w.push_str(rng.pick(CODAS));
    }
    capitalise(&w)
}

/// The word with its first letter in upper case ("élodie" → "Élodie").
pub fn capitalise(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A first name, for a character.
pub fn given_name(rng: &mut Rng) -> String {
    word(rng, 1..=3, 0.15)
}

/// A person's full name.
pub fn person_name(rng: &mut Rng) -> String {
    match rng.below(20) {
        // Bong Joon-ho, Wong Kar-wai.
        0..=2 => {
            let family = if rng.chance(0.5) {
                rng.pick(EAST_FAMILY).to_owned()
            } else {
                word(rng, 1..=1, 0.0)
            };
            let a = capitalise(rng.pick(EAST_GIVEN));
            let b = rng.pick(EAST_GIVEN);
            format!("{family} {a}-{b}")
        }
        // Agnès de Varda, Lars von Trier, Seán O'Casey.
        3..=4 => {
            let given = word(rng, 1..=2, 0.3);
            let particle = rng.pick(PARTICLES);
            let family = word(rng, 1..=2, 0.15);
            format!("{given} {particle}{family}")
        }
        // Jean-Luc Godard.
        5 => {
            let a = word(rng, 1..=1, 0.2);
            let b = word(rng, 1..=1, 0.2);
            let family = word(rng, 2..=3, 0.15);
            format!("{a}-{b} {family}")
        }
        // Zoë Kravitz, Søren Brandt, Renée Zellweger.
        _ => {
            let given = word(rng, 1..=3, 0.18);
            let family = word(rng, 2..=3, 0.12);
            format!("{given} {family}")
        }
    }
}

const ADJECTIVES: &[&str] = &[
    "Quiet", "Last", "Silent", "Burning", "Golden", "Hidden", "Broken", "Distant", "Endless",
    "Little", "Crimson", "Wild", "Lonely", "Electric", "Paper", "Northern", "Secret", "Summer",
    "Winter", "Blue", "Long", "Bright", "Hollow", "Sleeping", "Restless", "Velvet", "Midnight",
];
const NOUNS: &[&str] = &[
    "Harbour",
    "Garden",
    "Station",
    "River",
    "Mirror",
    "Letter",
    "Season",
    "Orchard",
    "Island",
    "Road",
    "Window",
    "Kingdom",
    "Shore",
    "Voice",
    "Circus",
    "Hotel",
    "Night",
    "Bridge",
    "Machine",
    "Daughter",
    "Stranger",
    "Summer",
    "Mountain",
    "Lighthouse",
    "Archive",
    "Parade",
    "Frontier",
    "Tide",
    "Choir",
    "Compass",
];
/// Words in other languages, so some titles need their accents kept.
const FOREIGN: &[&str] = &[
    "Été",
    "Rêves",
    "Mañana",
    "Fräulein",
    "Saudade",
    "Señora",
    "Nuit",
    "Début",
    "Après",
    "Søster",
    "Élan",
    "Café",
    "Mémoire",
    "Ciudad",
    "Lumière",
    "Zoë",
    "Hôtel",
];

/// A film title.
pub fn film_title(rng: &mut Rng) -> String {
    let adj = rng.pick(ADJECTIVES);
    let noun = rng.pick(NOUNS);
    match rng.below(12) {
        0 => format!("The {adj} {noun}"),
        1 => format!("{noun} of {}", word(rng, 2..=2, 0.2)),
        2 => format!("{}'s {noun}", word(rng, 2..=2, 0.2)),
        3 => format!("{adj} {noun}s"),
        4 => word(rng, 2..=3, 0.25),
        5 => format!("{} {}", rng.pick(FOREIGN), word(rng, 2..=2, 0.3)),
        6 => format!("The {noun} at {}", word(rng, 2..=2, 0.2)),
        7 => format!("{adj} {}", rng.pick(FOREIGN)),
        8 => format!("A {noun} in {}", word(rng, 2..=2, 0.2)),
        9 => format!("{noun}: {adj} {}", rng.pick(NOUNS)),
        10 => rng.pick(NOUNS).to_owned(),
        _ => format!("{adj} {noun}"),
    }
}

/// A city or region for a filming location.
pub fn place(rng: &mut Rng) -> String {
    let base = word(rng, 2..=3, 0.2);
    match rng.below(5) {
        0 => format!("San {base}"),
        1 => format!("{base}-sur-Mer"),
        2 => format!("Port {base}"),
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_accents_and_hyphens_in_realistic_proportions() {
        let mut rng = Rng::new(1, 0);
        let names: Vec<String> = (0..2000).map(|_| person_name(&mut rng)).collect();
        let accented = names.iter().filter(|n| !n.is_ascii()).count();
        let hyphenated = names.iter().filter(|n| n.contains('-')).count();
        assert!(accented > 200 && accented < 1500, "{accented} accented");
        assert!(hyphenated > 100, "{hyphenated} hyphenated");
        assert!(names.iter().all(|n| n.len() <= 300 && n.contains(' ')));
    }
}
