//! The data set: what is generated, from a seed and a scale.
//!
//! At scale 1: 20,000 films, 100,000 people, 200,000 credits (ten a film),
//! 50,000 reviews, 1,000,000 approved comments (a third of them replies),
//! about 55,000 comparisons and 20,000 filming locations. Two people are
//! made busy on purpose, because the benchmark's pages are about them:
//!
//! - person 1 directs 50 films that have 625 published reviews between
//!   them ("reviews of films directed by X", the hot query);
//! - person 2 acts in 80 films, some of them person 1's ("reviews of films
//!   starring Y", the person page).
//!
//! The review page is person 1's newest review, with 300 comments.
//!
//! Every table draws from its own random stream, so the rows of one table do
//! not depend on how another is made. Timestamps are fixed dates between
//! 2010 and mid-2026, never the clock, so the same seed gives the same rows.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use marquee::domain::Slug;
use marquee::domain::text::{excerpt, normalize_name};
use marquee::graphql::ids::{Kind, encode};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait, Value};
use serde::{Deserialize, Serialize};

use crate::insert::Inserter;
use crate::names;
use crate::rng::Rng;
use crate::text::{self, Subject};

/// Changes whenever the generator would make different rows from the same
/// seed: a data set of another version is made again, never reused.
pub const VERSION: u32 = 1;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub seed: u64,
    /// 1.0 is the issue's scale; tests use 0.001 (1,000 comments).
    pub scale: f64,
}

/// How many rows each table holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub person: u64,
    pub film: u64,
    pub credit: u64,
    pub review: u64,
    pub film_location: u64,
    pub comment: u64,
    pub comparison: u64,
}

impl Counts {
    /// The tables, in the order they are filled, with their counts.
    pub fn tables(&self) -> [(&'static str, u64); 7] {
        [
            ("person", self.person),
            ("film", self.film),
            ("credit", self.credit),
            ("review", self.review),
            ("film_location", self.film_location),
            ("comment", self.comment),
            ("comparison", self.comparison),
        ]
    }
}

/// A person the benchmark's pages are about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Star {
    pub id: i32,
    pub global_id: String,
    pub slug: String,
    pub name: String,
    /// Films in the role (directing, or acting).
    pub films: u64,
    /// Published reviews of those films.
    pub reviews: u64,
}

/// The review of the review page, and of `addComment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRef {
    pub id: i32,
    pub global_id: String,
    pub slug: String,
    /// Approved comments, replies included.
    pub comments: u64,
}

/// What was generated: enough for the benchmark to find its pages, and to
/// tell whether a database already holds this data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub seed: u64,
    pub scale: f64,
    pub counts: Counts,
    pub busy_director: Star,
    pub busy_actor: Star,
    pub review_page: ReviewRef,
}

impl Manifest {
    pub fn is_for(&self, opts: &Options) -> bool {
        self.version == VERSION && self.seed == opts.seed && self.scale == opts.scale
    }
}

/// Row counts at a scale, and the shape of the busy people.
struct Plan {
    films: usize,
    people: usize,
    reviews: usize,
    comments: usize,
    readers: usize,
    critics: usize,
    director_films: usize,
    director_reviews: usize,
    actor_films: usize,
    page_comments: usize,
}

impl Plan {
    fn new(scale: f64) -> Self {
        let n = |base: f64, min: usize| ((base * scale).round() as usize).max(min);
        let films = n(20_000.0, 20);
        let director_films = n(50.0, 1).min(films / 2);
        Self {
            films,
            people: n(100_000.0, 100),
            reviews: n(50_000.0, 50),
            comments: n(1_000_000.0, 1_000),
            readers: n(150_000.0, 150),
            critics: n(400.0, 5),
            director_films,
            director_reviews: n(625.0, director_films),
            actor_films: n(80.0, 2).min(films / 2),
            page_comments: n(300.0, 30),
        }
    }
}

/// Random streams, one per table.
mod stream {
    pub const PEOPLE: u64 = 1;
    pub const FILMS: u64 = 2;
    pub const CREDITS: u64 = 3;
    pub const REVIEWS: u64 = 4;
    pub const COMMENTS: u64 = 5;
    pub const COMPARISONS: u64 = 6;
    pub const LOCATIONS: u64 = 7;
    pub const READERS: u64 = 8;
    pub const CRITICS: u64 = 9;
}

/// Credits a film has, in total: directors, writers, actors and one crew.
const CREDITS_PER_FILM: usize = 10;
/// The deepest reply generated (the server allows 5).
const MAX_DEPTH: i32 = 3;

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Marquee/3.2 (iPhone; iOS 17.5; Scale/3.00)",
    "Marquee/3.1 (Android 14; Pixel 8)",
];
const CREW: &[(&str, Option<&str>)] = &[
    ("COMPOSER", None),
    ("CINEMATOGRAPHER", None),
    ("EDITOR", None),
    ("OTHER_CREW", Some("Production designer")),
    ("OTHER_CREW", Some("Costume designer")),
];
const RELATIONS: &[&str] = &[
    "ex-wife",
    "brother",
    "landlady",
    "oldest friend",
    "neighbour",
    "daughter",
    "rival",
    "boss",
];

fn at(secs: i64) -> Value {
    Value::ChronoDateTimeUtc(Some(
        DateTime::<Utc>::from_timestamp(secs, 0).expect("a date in range"),
    ))
}

fn int(v: i32) -> Value {
    Value::Int(Some(v))
}

fn text_value(s: impl Into<String>) -> Value {
    Value::String(Some(s.into()))
}

fn opt_text(s: Option<String>) -> Value {
    Value::String(s)
}

const NULL_TEXT: Value = Value::String(None);

/// Seconds since the Unix epoch of a day at midnight UTC.
fn day(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .expect("a valid date")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
}

/// Hands out unique slugs: the first "her", then "her-2", "her-3", …
#[derive(Default)]
struct Slugs(HashSet<String>);

impl Slugs {
    fn unique(&mut self, title: &str) -> String {
        let base = Slug::from_title(title).into_inner();
        // Leave room for a suffix within the 120-byte limit.
        let base = if base.len() > 110 {
            base[..110].trim_end_matches('-').to_owned()
        } else {
            base
        };
        if self.0.insert(base.clone()) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|s| self.0.insert(s.clone()))
            .expect("some suffix is free")
    }
}

/// Picks `n` distinct people from `lo..hi`, skewed towards `lo` (a few
/// prolific people), none of them in `taken`.
fn pick_distinct(rng: &mut Rng, lo: usize, hi: usize, power: f64, taken: &mut Vec<i32>) -> i32 {
    let size = hi - lo;
    for _ in 0..50 {
        let id = (lo + rng.skewed(size, power)) as i32;
        if !taken.contains(&id) {
            taken.push(id);
            return id;
        }
    }
    let id = (lo..hi)
        .map(|i| i as i32)
        .find(|i| !taken.contains(i))
        .expect("the pool is larger than a film's credits");
    taken.push(id);
    id
}

/// One film's people, for the texts that mention them.
#[derive(Default, Clone)]
struct FilmPeople {
    director: i32,
    /// (person, character), in billing order.
    cast: Vec<(i32, String)>,
}

/// Generates the data set into an empty, migrated database; one
/// transaction per table.
pub async fn generate(db: &DatabaseConnection, opts: Options) -> Result<Manifest, DbErr> {
    let plan = Plan::new(opts.scale);
    let seed = opts.seed;
    let t0 = day(2010, 1, 1);
    let end = day(2026, 6, 30);
    let mut counts = Counts::default();
    let progress = Progress::start();

    // ---- People. Pools, by id: 1 and 2 are the busy director and actor,
    // then directors (5%), writers (8%), crew (7%) and actors (the rest).
    let mut people: Vec<String> = Vec::with_capacity(plan.people);
    let mut person_slugs = Vec::with_capacity(plan.people);
    {
        let mut rng = Rng::new(seed, stream::PEOPLE);
        let mut slugs = Slugs::default();
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "person",
            &[
                "id",
                "slug",
                "name",
                "name_normalized",
                "created_at",
                "updated_at",
            ],
        );
        for id in 1..=plan.people {
            let name = names::person_name(&mut rng);
            let slug = slugs.unique(&name);
            let created = t0 + rng.below(3 * 365 * 86_400) as i64;
            ins.push([
                int(id as i32),
                text_value(slug.clone()),
                text_value(name.clone()),
                text_value(normalize_name(&name)),
                at(created),
                at(created),
            ])
            .await?;
            people.push(name);
            person_slugs.push(slug);
        }
        counts.person = ins.finish().await?;
        txn.commit().await?;
        progress.table("person", counts.person);
    }
    let name_of = |id: i32| people[id as usize - 1].as_str();
    let pool = |from: f64, to: f64| {
        let span = (plan.people - 2) as f64;
        (
            3 + (span * from) as usize,
            (3 + (span * to) as usize).min(plan.people + 1),
        )
    };
    let directors = pool(0.0, 0.05);
    let writers = pool(0.05, 0.13);
    let crew = pool(0.13, 0.20);
    let actors = pool(0.20, 1.0);

    // ---- Films.
    let mut films: Vec<(String, i64)> = Vec::with_capacity(plan.films);
    {
        let mut rng = Rng::new(seed, stream::FILMS);
        let mut slugs = Slugs::default();
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "film",
            &[
                "id",
                "slug",
                "title",
                "title_normalized",
                "release_year",
                "synopsis",
                "poster_url",
                "poster_alt",
                "created_at",
                "updated_at",
            ],
        );
        for id in 1..=plan.films {
            let title = names::film_title(&mut rng);
            let slug = slugs.unique(&title);
            let year = rng.range(1960, 2025) as i32;
            let synopsis = rng.chance(0.9).then(|| {
                format!(
                    "In {}, {} {} finds that {}.",
                    names::place(&mut rng),
                    rng.pick(&[
                        "a lonely",
                        "a retired",
                        "a young",
                        "an ambitious",
                        "a grieving"
                    ]),
                    rng.pick(&[
                        "letter writer",
                        "ferry pilot",
                        "pianist",
                        "detective",
                        "teacher",
                        "chef"
                    ]),
                    rng.pick(&[
                        "the past keeps its own accounts",
                        "love arrives by the wrong door",
                        "every town has a second map",
                        "nobody leaves the island twice",
                    ]),
                )
            });
            let poster = rng.chance(0.7);
            let created = t0 + rng.below(5 * 365 * 86_400) as i64;
            let updated = created + rng.below(365 * 86_400) as i64;
            ins.push([
                int(id as i32),
                text_value(slug.clone()),
                text_value(title.clone()),
                text_value(normalize_name(&title)),
                int(year),
                opt_text(synopsis),
                opt_text(poster.then(|| format!("/media/{slug}.jpg"))),
                opt_text(poster.then(|| format!("{title} poster"))),
                at(created),
                at(updated),
            ])
            .await?;
            films.push((title, created));
        }
        counts.film = ins.finish().await?;
        txn.commit().await?;
        progress.table("film", counts.film);
    }

    // ---- Credits: ten a film. Films 1..=director_films are person 1's;
    // person 2 leads the cast of actor_films films, an eighth of them
    // person 1's.
    let muse_films = (plan.actor_films / 8).clamp(1, plan.director_films);
    let mut actor_film_set = HashSet::new();
    for f in 1..=muse_films {
        actor_film_set.insert(f);
    }
    let others = plan.actor_films - muse_films;
    let rest = plan.films - plan.director_films;
    for j in 0..others {
        actor_film_set.insert(plan.director_films + 1 + j * rest / others.max(1));
    }
    let mut film_people: Vec<FilmPeople> = vec![FilmPeople::default(); plan.films + 1];
    {
        let mut rng = Rng::new(seed, stream::CREDITS);
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "credit",
            &[
                "id",
                "film_id",
                "person_id",
                "role",
                "job",
                "character",
                "character_note",
                "voice",
                "billing_order",
                "created_at",
                "updated_at",
            ],
        );
        let mut id = 0;
        for film in 1..=plan.films {
            let created = films[film - 1].1;
            let mut credit = |person: i32,
                              role: &'static str,
                              job: Option<&'static str>,
                              character: Option<(String, Option<String>, bool)>,
                              billing: usize| {
                id += 1;
                let (character, note, voice) = match character {
                    Some((c, n, v)) => (Some(c), n, v),
                    None => (None, None, false),
                };
                [
                    int(id),
                    int(film as i32),
                    int(person),
                    text_value(role),
                    opt_text(job.map(str::to_owned)),
                    opt_text(character),
                    opt_text(note),
                    Value::Bool(Some(voice)),
                    int(billing as i32),
                    at(created),
                    at(created),
                ]
            };
            // Directors.
            let mut taken = Vec::new();
            let n_directors = if film <= plan.director_films {
                taken.push(1);
                1
            } else {
                let n = if rng.chance(0.1) { 2 } else { 1 };
                for _ in 0..n {
                    pick_distinct(&mut rng, directors.0, directors.1, 1.5, &mut taken);
                }
                n
            };
            let director_ids = taken.clone();
            for (b, &p) in director_ids.iter().enumerate() {
                ins.push(credit(p, "DIRECTOR", None, None, b)).await?;
            }
            // Writers: a quarter of the time the director writes too.
            let n_writers = if rng.chance(0.3) { 2 } else { 1 };
            let mut taken = Vec::new();
            if rng.chance(0.25) {
                taken.push(director_ids[0]);
            }
            while taken.len() < n_writers {
                pick_distinct(&mut rng, writers.0, writers.1, 1.3, &mut taken);
            }
            for (b, &p) in taken.iter().enumerate() {
                ins.push(credit(p, "WRITER", None, None, b)).await?;
            }
            // The cast fills the film's ten credits, less one for the crew.
            let n_actors = CREDITS_PER_FILM - n_directors - n_writers - 1;
            let mut taken = Vec::new();
            if actor_film_set.contains(&film) {
                taken.push(2);
            }
            while taken.len() < n_actors {
                pick_distinct(&mut rng, actors.0, actors.1, 1.6, &mut taken);
            }
            let mut cast = Vec::with_capacity(n_actors);
            for (b, &p) in taken.iter().enumerate() {
                let character = names::given_name(&mut rng);
                let note = rng
                    .chance(0.1)
                    .then(|| format!("{}'s {}", names::given_name(&mut rng), rng.pick(RELATIONS)));
                let voice = rng.chance(0.03);
                cast.push((p, character.clone()));
                ins.push(credit(p, "ACTOR", None, Some((character, note, voice)), b))
                    .await?;
            }
            // One crew credit.
            let (role, job) = rng.pick(CREW);
            let mut taken = Vec::new();
            let p = pick_distinct(&mut rng, crew.0, crew.1, 1.2, &mut taken);
            ins.push(credit(p, role, job, None, 0)).await?;
            film_people[film] = FilmPeople {
                director: director_ids[0],
                cast,
            };
        }
        counts.credit = ins.finish().await?;
        txn.commit().await?;
        progress.table("credit", counts.credit);
    }
    let subject_of = |film: usize, other: usize| -> Subject<'_> {
        let fp = &film_people[film];
        let (actor, character) = fp
            .cast
            .first()
            .map_or(("the cast", "the lead"), |(p, c)| (name_of(*p), c.as_str()));
        Subject {
            film: &films[film - 1].0,
            director: name_of(fp.director),
            actor,
            character,
            other_film: &films[other - 1].0,
        }
    };

    // ---- Reviews. Person 1's films share director_reviews reviews; the
    // rest go to the other films at random (some get none, some several).
    // Ids follow publication, as they do when reviews are written over time.
    struct ReviewPlan {
        film: usize,
        published: Option<i64>,
        created: i64,
        open: bool,
    }
    let review_from = day(2012, 1, 1);
    let review_to = day(2026, 3, 31);
    let mut reviews: Vec<ReviewPlan> = Vec::with_capacity(plan.reviews);
    let mut review_rng = Rng::new(seed, stream::REVIEWS);
    {
        let rng = &mut review_rng;
        for j in 0..plan.reviews {
            let busy = j < plan.director_reviews;
            let film = if busy {
                1 + j % plan.director_films
            } else {
                plan.director_films + 1 + rng.below(plan.films - plan.director_films)
            };
            let published = review_from + rng.below((review_to - review_from) as usize) as i64;
            let draft = !busy && rng.chance(0.01);
            reviews.push(ReviewPlan {
                film,
                published: (!draft).then_some(published),
                created: published - rng.range(3_600, 10 * 86_400) as i64,
                open: busy || rng.chance(0.97),
            });
        }
        reviews.sort_by_key(|r| (r.published.unwrap_or(r.created), r.film));
    }
    let page_review = reviews
        .iter()
        .rposition(|r| r.film <= plan.director_films)
        .expect("person 1 has reviews")
        + 1;
    let actor_reviews = reviews
        .iter()
        .filter(|r| r.published.is_some() && actor_film_set.contains(&r.film))
        .count() as u64;
    let mut review_slugs = Vec::with_capacity(plan.reviews);
    {
        let rng = &mut review_rng;
        let mut slugs = Slugs::default();
        let critics: Vec<String> = {
            let mut c = Rng::new(seed, stream::CRITICS);
            (0..plan.critics)
                .map(|_| names::person_name(&mut c))
                .collect()
        };
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "review",
            &[
                "id",
                "slug",
                "film_id",
                "headline",
                "byline",
                "body_markdown",
                "excerpt",
                "verdict",
                "poster_url",
                "poster_alt",
                "status",
                "published_at",
                "comments_open",
                "created_at",
                "updated_at",
            ],
        );
        for (i, r) in reviews.iter().enumerate() {
            let other = 1 + rng.below(plan.films);
            let s = subject_of(r.film, other);
            let slug = slugs.unique(s.film);
            let body = text::review_body(rng, &s);
            let summary = excerpt(&body, 280);
            let headline = text::headline(rng, &s);
            let byline = rng
                .chance(0.8)
                .then(|| critics[rng.below(critics.len())].clone());
            let verdict = rng.chance(0.85).then(|| text::verdict(rng, &s));
            let poster = rng.chance(0.4);
            let updated = r.published.unwrap_or(r.created) + rng.below(30 * 86_400) as i64;
            ins.push([
                int(i as i32 + 1),
                text_value(slug.clone()),
                int(r.film as i32),
                text_value(headline),
                opt_text(byline),
                text_value(body),
                text_value(summary),
                opt_text(verdict),
                opt_text(poster.then(|| format!("/media/reviews/{slug}.jpg"))),
                opt_text(poster.then(|| format!("A still from {}", s.film))),
                text_value(if r.published.is_some() {
                    "PUBLISHED"
                } else {
                    "DRAFT"
                }),
                match r.published {
                    Some(p) => at(p),
                    None => Value::ChronoDateTimeUtc(None),
                },
                Value::Bool(Some(r.open)),
                at(r.created),
                at(updated),
            ])
            .await?;
            review_slugs.push(slug);
        }
        counts.review = ins.finish().await?;
        txn.commit().await?;
        progress.table("review", counts.review);
    }

    // ---- Filming locations: none, one or two a film.
    {
        let mut rng = Rng::new(seed, stream::LOCATIONS);
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "film_location",
            &[
                "id",
                "film_id",
                "place",
                "area",
                "stands_in_for",
                "position",
                "created_at",
            ],
        );
        let mut id = 0;
        for film in 1..=plan.films {
            for position in 0..rng.below(3) {
                id += 1;
                let area = rng
                    .chance(0.5)
                    .then(|| format!("{} district", names::place(&mut rng)));
                let stands_in = rng.chance(0.3).then(|| names::place(&mut rng));
                ins.push([
                    int(id),
                    int(film as i32),
                    text_value(names::place(&mut rng)),
                    opt_text(area),
                    opt_text(stands_in),
                    int(position as i32),
                    at(films[film - 1].1),
                ])
                .await?;
            }
        }
        counts.film_location = ins.finish().await?;
        txn.commit().await?;
        progress.table("film_location", counts.film_location);
    }

    // ---- Comments. Readers: a name, an email, sometimes a website; a few
    // comment a lot. Each published review gets a share of the comments
    // (heavy-tailed: most a handful, some hundreds); the review page gets
    // page_comments. A third are replies, up to MAX_DEPTH deep, each after
    // its parent, all after the review's publication.
    let readers: Vec<(String, String, Option<String>)> = {
        let mut rng = Rng::new(seed, stream::READERS);
        const DOMAINS: &[&str] = &["example.org", "example.com", "example.net"];
        (0..plan.readers)
            .map(|i| {
                let name = names::person_name(&mut rng);
                let local: String = normalize_name(&name)
                    .chars()
                    .map(|c| if c == ' ' { '.' } else { c })
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                    .take(40)
                    .collect();
                let email = format!("{local}{i}@{}", rng.pick(DOMAINS));
                let url = rng
                    .chance(0.08)
                    .then(|| format!("https://{}.example.net", local.replace('.', "")));
                (name, email, url)
            })
            .collect()
    };
    let mut rng = Rng::new(seed, stream::COMMENTS);
    let per_review: Vec<usize> = {
        let weights: Vec<f64> = reviews
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if r.published.is_none() || i + 1 == page_review {
                    0.0
                } else {
                    (1.0 / (1.0 - 0.995 * rng.unit())).powf(0.9)
                }
            })
            .collect();
        let page = plan.page_comments.min(plan.comments);
        let rest = plan.comments - page;
        let total: f64 = weights.iter().sum();
        let mut counts: Vec<usize> = weights
            .iter()
            .map(|w| (rest as f64 * w / total).floor() as usize)
            .collect();
        let mut left = rest - counts.iter().sum::<usize>();
        let mut i = 0;
        while left > 0 {
            if weights[i] > 0.0 {
                counts[i] += 1;
                left -= 1;
            }
            i = (i + 1) % counts.len();
        }
        counts[page_review - 1] = page;
        counts
    };
    // Comments that draw a comparison: (comment id, review's film, created).
    let mut comment_comparisons: Vec<(i32, usize, i64)> = Vec::new();
    {
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "comment",
            &[
                "id",
                "review_id",
                "parent_id",
                "author_name",
                "author_email",
                "author_url",
                "body",
                "status",
                "idempotency_key",
                "request_hash",
                "client_ip_hash",
                "user_agent",
                "owner_token_hash",
                "depth",
                "created_at",
                "updated_at",
            ],
        );
        let mut id: i32 = 0;
        let mut depth: Vec<i32> = Vec::new();
        for (r, review) in reviews.iter().enumerate() {
            let n = per_review[r];
            if n == 0 {
                continue;
            }
            let published = review
                .published
                .expect("only published reviews get comments");
            let first_id = id + 1;
            depth.clear();
            let mut time = published + rng.range(60, 3_600) as i64;
            let mean_gap = ((end - time) as f64 / (n + 1) as f64).clamp(1.0, 2.0 * 86_400.0);
            for k in 0..n {
                id += 1;
                time += 1 + (-(1.0 - rng.unit()).ln() * mean_gap) as i64;
                let mut parent = None;
                let mut d = 0;
                if k > 0 && rng.chance(0.33) {
                    let p = rng.range(k.saturating_sub(15), k - 1);
                    if depth[p] < MAX_DEPTH {
                        parent = Some(first_id + p as i32);
                        d = depth[p] + 1;
                    }
                }
                depth.push(d);
                let (name, email, url) = &readers[rng.skewed(readers.len(), 2.5)];
                let other = 1 + rng.below(plan.films);
                let body = text::comment_body(&mut rng, &subject_of(review.film, other));
                let agent = rng.chance(0.7).then(|| rng.pick(USER_AGENTS).to_owned());
                if rng.chance(0.005) {
                    comment_comparisons.push((id, review.film, time));
                }
                ins.push([
                    int(id),
                    int(r as i32 + 1),
                    Value::Int(parent),
                    text_value(name.clone()),
                    text_value(email.clone()),
                    opt_text(url.clone()),
                    text_value(body),
                    text_value("APPROVED"),
                    NULL_TEXT,
                    NULL_TEXT,
                    NULL_TEXT,
                    opt_text(agent),
                    NULL_TEXT,
                    int(d),
                    at(time),
                    at(time),
                ])
                .await?;
            }
        }
        counts.comment = ins.finish().await?;
        txn.commit().await?;
        progress.table("comment", counts.comment);
    }

    // ---- Comparisons: 0–3 a review (3 on the review page), and one on
    // half a percent of comments; half single out an actor of the film
    // compared to.
    {
        let mut rng = Rng::new(seed, stream::COMPARISONS);
        let txn = db.begin().await?;
        let mut ins = Inserter::new(
            &txn,
            "comparison",
            &[
                "id",
                "review_id",
                "comment_id",
                "film_id",
                "person_id",
                "note",
                "recommended",
                "position",
                "created_at",
            ],
        );
        let mut id = 0;
        let mut comparison = |rng: &mut Rng, own_film: usize, position: usize| {
            let mut other = 1 + rng.below(plan.films);
            if other == own_film {
                other = other % plan.films + 1;
            }
            let person = rng
                .chance(0.5)
                .then(|| film_people[other].cast.first().map(|c| c.0))
                .flatten();
            let note = text::comparison_note(rng, &films[other - 1].0, person.map(name_of));
            id += 1;
            (
                id,
                other as i32,
                person,
                note,
                rng.chance(0.5),
                position as i32,
            )
        };
        for (r, review) in reviews.iter().enumerate() {
            let n = if r + 1 == page_review {
                3
            } else {
                [0, 1, 1, 1, 2, 2, 3][rng.below(7)]
            };
            for position in 0..n {
                let (id, film, person, note, recommended, position) =
                    comparison(&mut rng, review.film, position);
                ins.push([
                    int(id),
                    int(r as i32 + 1),
                    Value::Int(None),
                    int(film),
                    Value::Int(person),
                    text_value(note),
                    Value::Bool(Some(recommended)),
                    int(position),
                    at(review.created),
                ])
                .await?;
            }
        }
        for &(comment, own_film, created) in &comment_comparisons {
            let (id, film, person, note, recommended, position) = comparison(&mut rng, own_film, 0);
            ins.push([
                int(id),
                Value::Int(None),
                int(comment),
                int(film),
                Value::Int(person),
                text_value(note),
                Value::Bool(Some(recommended)),
                int(position),
                at(created),
            ])
            .await?;
        }
        counts.comparison = ins.finish().await?;
        txn.commit().await?;
        progress.table("comparison", counts.comparison);
    }

    let director_reviews = reviews
        .iter()
        .filter(|r| r.published.is_some() && r.film <= plan.director_films)
        .count() as u64;
    let star = |id: i32, films: usize, reviews: u64| Star {
        id,
        global_id: encode(Kind::Person, id).to_string(),
        slug: person_slugs[id as usize - 1].clone(),
        name: people[id as usize - 1].clone(),
        films: films as u64,
        reviews,
    };
    Ok(Manifest {
        version: VERSION,
        seed,
        scale: opts.scale,
        counts,
        busy_director: star(1, plan.director_films, director_reviews),
        busy_actor: star(2, plan.actor_films, actor_reviews),
        review_page: ReviewRef {
            id: page_review as i32,
            global_id: encode(Kind::Review, page_review as i32).to_string(),
            slug: review_slugs[page_review - 1].clone(),
            comments: per_review[page_review - 1] as u64,
        },
    })
}

/// Reports each table as it is done, with the time taken.
struct Progress(std::time::Instant);

impl Progress {
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    fn table(&self, name: &str, rows: u64) {
        eprintln!(
            "  {name:<14} {rows:>9} rows  (at {:.1} s)",
            self.0.elapsed().as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_at_scale_one_is_the_issues_data_set() {
        let p = Plan::new(1.0);
        assert_eq!(
            (p.films, p.people, p.reviews, p.comments),
            (20_000, 100_000, 50_000, 1_000_000)
        );
        assert_eq!(p.films * CREDITS_PER_FILM, 200_000);
        assert_eq!((p.director_films, p.director_reviews), (50, 625));
    }

    #[test]
    fn slugs_stay_unique_and_within_the_limit() {
        let mut s = Slugs::default();
        assert_eq!(s.unique("Her"), "her");
        assert_eq!(s.unique("HER"), "her-2");
        assert_eq!(s.unique("Hér"), "her-3");
        let long = "A".repeat(200);
        assert!(s.unique(&long).len() <= 120);
        assert!(s.unique(&long).len() <= 120);
    }
}
