//! Review bodies (3–8 Markdown paragraphs), headlines, verdicts and reader
//! comments (1–3 sentences), from templates. The lengths are what matters:
//! a review body is a few kilobytes, as real reviews are, so that reading
//! whole rows costs what it costs in production.
//!
//! Templates name their slots in braces: `{F}` the film's title, `{D}` its
//! director, `{P}` an actor, `{C}` the character, `{A}` an adjective, `{N}` a
//! noun, `{X}` another film's title.

use crate::rng::Rng;

/// What a text may mention.
pub struct Subject<'a> {
    pub film: &'a str,
    pub director: &'a str,
    pub actor: &'a str,
    pub character: &'a str,
    pub other_film: &'a str,
}

const REVIEW_SENTENCES: &[&str] = &[
    "{D} shoots {F} as if every room were about to be taken away.",
    "The first twenty minutes are {A}, almost wilfully so, and then the film opens like a {N}.",
    "{P} plays {C} with a stillness that makes the louder performances around them look busy.",
    "There is a long take in the second act that earns every second of its length.",
    "It is a film about {N}s, and about what we owe the people who keep them.",
    "The score leans on strings where silence would have done more.",
    "What {D} understands, better than most directors working today, is how a face changes when nobody is watching it.",
    "Not everything works: a subplot involving a {N} goes nowhere, and the ending arrives a scene too late.",
    "{P} has never been better, and the film knows it, lingering on {C} a beat longer than the script needs.",
    "The cinematography favours {A} interiors and windows that let in too much light.",
    "Comparisons to *{X}* are inevitable, and mostly flattering.",
    "By the time the {N} appears again, the film has quietly rearranged what we thought it was about.",
    "The dialogue is spare, sometimes to a fault, but the silences are written too.",
    "{F} is at its best when it trusts the audience to keep up.",
    "A lesser film would have explained the {N}; this one lets it sit there, {A} and unexplained.",
    "The editing is patient in a way that will test some viewers and reward the rest.",
    "{C} is the kind of character who would be a villain in another film, and {P} refuses to judge them.",
    "Somewhere in the middle, the film loses its nerve and reaches for a montage.",
    "The production design does a great deal with very little: a {A} kitchen, a {N}, a coat that never quite fits.",
    "It is funnier than its poster suggests, and sadder than its trailer lets on.",
    "{D} has made a film about grief, {A} and exact, that never once uses the word.",
    "The sound of rain does more work here than most supporting casts.",
    "Every frame looks considered, which is both the film's strength and its limit.",
    "The last shot, held on {C} at the {N}, is the one you will remember.",
];

const VERDICTS: &[&str] = &[
    "For anyone who liked *{X}* and wished it were quieter.",
    "See it on the biggest screen you can find.",
    "Patient viewers will be rewarded; everyone else, wait for streaming.",
    "For a {A} evening: {P} at their best.",
    "{P}'s best work, in a film almost worthy of it.",
    "Flawed, frustrating, and worth it.",
    "Skip the trailer, go in cold.",
];

const HEADLINES: &[&str] = &[
    "{F}: portrait of a {N}",
    "In {F}, {D} finds the {N} in everything",
    "{P} is extraordinary in {F}",
    "{F} review: {A}, patient and quietly devastating",
    "{F} takes its time, and earns it",
    "The {A} world of {F}",
    "{D}'s {F} is a {N} worth visiting",
    "{F}: {P} and the art of stillness",
];

const COMMENT_SENTENCES: &[&str] = &[
    "Saw it twice and I am still thinking about it.",
    "{P} was wonderful as {C}.",
    "I disagree about the ending, I thought it landed perfectly.",
    "The scene at the {N} made the whole cinema go quiet.",
    "Reminded me of {X}, in a good way.",
    "Too slow for me, honestly.",
    "Great review, you put into words what I could not.",
    "Has anyone found out where the {N} scenes were filmed?",
    "My partner fell asleep but I loved every minute.",
    "{D} never misses.",
    "The music stayed with me for days.",
    "I wish the film had spent more time with {C}.",
    "Not sure it deserves the hype, but {P} is excellent.",
    "Went in expecting a thriller and got something much stranger.",
    "Agree completely about the {A} middle section.",
    "Thanks for mentioning {X}, I will watch that next.",
];

const ADJECTIVES: &[&str] = &[
    "quiet",
    "restless",
    "luminous",
    "slow",
    "tender",
    "brittle",
    "generous",
    "strange",
    "cold",
    "warm",
    "patient",
    "languid",
    "melancholy",
    "playful",
    "severe",
    "crowded",
    "humane",
];
const NOUNS: &[&str] = &[
    "lighthouse",
    "kitchen",
    "letter",
    "station",
    "garden",
    "mirror",
    "hotel room",
    "river",
    "vineyard",
    "wedding",
    "photograph",
    "piano",
    "ferry",
    "border",
    "staircase",
    "radio",
];

/// Writes `template` into `out`, filling its slots.
fn fill(out: &mut String, template: &str, s: &Subject<'_>, rng: &mut Rng) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let slot = rest.as_bytes()[open + 1];
        match slot {
            b'F' => out.push_str(s.film),
            b'D' => out.push_str(s.director),
            b'P' => out.push_str(s.actor),
            b'C' => out.push_str(s.character),
            b'X' => out.push_str(s.other_film),
            b'A' => out.push_str(rng.pick(ADJECTIVES)),
            b'N' => out.push_str(rng.pick(NOUNS)),
            _ => unreachable!("unknown slot in {template:?}"),
        }
        rest = &rest[open + 3..];
    }
    out.push_str(rest);
}

/// A review's body: 3–8 paragraphs of 3–7 sentences, separated by blank
/// lines, with the Markdown a critic uses (italic titles, the odd bold
/// phrase and link).
pub fn review_body(rng: &mut Rng, s: &Subject<'_>) -> String {
    let paragraphs = rng.range(3, 8);
    let mut out = String::with_capacity(paragraphs * 600);
    for p in 0..paragraphs {
        if p > 0 {
            out.push_str("\n\n");
        }
        let sentences = rng.range(3, 7);
        let mut last = "";
        for i in 0..sentences {
            if i > 0 {
                out.push(' ');
            }
            if p == 0 && i == 0 {
                out.push('*');
                out.push_str(s.film);
                out.push_str("* is ");
                out.push_str(rng.pick(ADJECTIVES));
                out.push_str(" from its first frame.");
                continue;
            }
            match rng.below(30) {
                0 => {
                    let t = rng.pick(REVIEW_SENTENCES);
                    out.push_str("**");
                    fill(&mut out, t, s, rng);
                    out.push_str("**");
                }
                1 => {
                    out.push_str("As [the director told us](https://example.org/interviews/");
                    out.push_str(&rng.below(10_000).to_string());
                    out.push_str("), the film began as a short.");
                }
                _ => {
                    let mut t = rng.pick(REVIEW_SENTENCES);
                    if t == last {
                        t = rng.pick(REVIEW_SENTENCES);
                    }
                    last = t;
                    fill(&mut out, t, s, rng);
                }
            }
        }
    }
    out
}

/// A headline for a review.
pub fn headline(rng: &mut Rng, s: &Subject<'_>) -> String {
    let mut out = String::new();
    let t = rng.pick(HEADLINES);
    fill(&mut out, t, s, rng);
    out
}

/// The bottom line: who the film is for.
pub fn verdict(rng: &mut Rng, s: &Subject<'_>) -> String {
    let mut out = String::new();
    let t = rng.pick(VERDICTS);
    fill(&mut out, t, s, rng);
    out
}

/// A reader's comment: 1–3 sentences of plain text, now and then over two
/// lines.
pub fn comment_body(rng: &mut Rng, s: &Subject<'_>) -> String {
    let sentences = rng.range(1, 3);
    let mut out = String::with_capacity(sentences * 60);
    for i in 0..sentences {
        if i > 0 {
            out.push_str(if rng.chance(0.1) { "\n" } else { " " });
        }
        let t = rng.pick(COMMENT_SENTENCES);
        fill(&mut out, t, s, rng);
    }
    out
}

/// A short note for a comparison ("like Sandra Bullock in *Gravity*").
pub fn comparison_note(rng: &mut Rng, other_film: &str, person: Option<&str>) -> String {
    match person {
        Some(p) => format!(
            "Like {p} in *{other_film}*: the same {} nerve.",
            rng.pick(ADJECTIVES)
        ),
        None => format!(
            "Shares the {} mood of *{other_film}*.",
            rng.pick(ADJECTIVES)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject<'static> {
        Subject {
            film: "Her",
            director: "Spike Jonze",
            actor: "Scarlett Johansson",
            character: "Samantha",
            other_film: "Gravity",
        }
    }

    #[test]
    fn review_bodies_have_three_to_eight_paragraphs() {
        let mut rng = Rng::new(1, 0);
        for _ in 0..200 {
            let body = review_body(&mut rng, &subject());
            let paragraphs = body.split("\n\n").count();
            assert!((3..=8).contains(&paragraphs), "{paragraphs}");
            assert!(!body.contains('{'), "{body}");
        }
    }

    #[test]
    fn comments_have_one_to_three_sentences_and_no_markup() {
        let mut rng = Rng::new(1, 0);
        for _ in 0..200 {
            let body = comment_body(&mut rng, &subject());
            let sentences = body.matches(['.', '?']).count();
            assert!((1..=3).contains(&sentences), "{body}");
            assert!(!body.contains('<') && !body.contains('{'), "{body}");
        }
    }
}
