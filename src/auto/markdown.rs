//! Markdown to speech: the sentences a listener should hear of a reply written as markdown
//! (Claude Code's transcript holds the model's text as it was written).
//!
//! Headings, paragraphs, list items and quotes are units of their own; code blocks, tables,
//! HTML and images are left out; a link is read as its text; inline code is kept as it is
//! (without its backticks). Each unit is cut into sentences by the same segmenter and
//! cleaned the same way as everything else, so a sentence read off the screen and the same
//! sentence read from the transcript come out alike.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One sentence of a reply: what is spoken, and how the screen may have drawn it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// What the listener hears (a link read as its text).
    pub text: String,
    /// The same sentence as releases draw a link: only its URL, or `text (url)`.
    pub drawn: [String; 2],
}

/// The spoken sentences of `markdown`, in order.
pub fn sentences(markdown: &str) -> Vec<String> {
    units(markdown).iter().flat_map(|u| crate::text::sentences(&u[0])).collect()
}

/// The sentences of `markdown` with their drawn forms (where the forms cut alike).
pub fn sentences_drawn(markdown: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for [spoken, url, both] in units(markdown) {
        let text: Vec<String> = crate::text::sentences(&spoken).collect();
        let url: Vec<String> = crate::text::sentences(&url).collect();
        let both: Vec<String> = crate::text::sentences(&both).collect();
        let aligned = url.len() == text.len() && both.len() == text.len();
        for (i, t) in text.iter().enumerate() {
            let drawn = if aligned { [url[i].clone(), both[i].clone()] } else { [t.clone(), t.clone()] };
            out.push(Sentence { text: t.clone(), drawn });
        }
    }
    out
}

/// The units of speech: each heading, paragraph and list item's own text, in three forms:
/// links as their text, as their URL, as `text (url)`.
fn units(markdown: &str) -> Vec<[String; 3]> {
    let mut out = Vec::new();
    let mut unit: [String; 3] = Default::default();
    // Depth inside what is never spoken (code blocks, tables, HTML blocks, images).
    let mut silent = 0usize;
    // Inside a link: its URL (text goes to forms 0 and 2 only).
    let mut link: Option<String> = None;
    let flush = |unit: &mut [String; 3], out: &mut Vec<[String; 3]>| {
        if !unit[0].trim().is_empty() {
            out.push(unit.clone().map(|u| u.trim().to_string()));
        }
        unit.iter_mut().for_each(String::clear);
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Table(_) | Tag::HtmlBlock | Tag::Image { .. }) => {
                flush(&mut unit, &mut out);
                silent += 1;
            }
            Event::End(TagEnd::CodeBlock | TagEnd::Table | TagEnd::HtmlBlock | TagEnd::Image) => {
                silent = silent.saturating_sub(1);
            }
            _ if silent > 0 => {}
            // A unit ends where a block starts or ends: an item's nested list is its own unit.
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item | Tag::BlockQuote(_) | Tag::List(_))
            | Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::List(_),
            )
            | Event::Rule => flush(&mut unit, &mut out),
            Event::Start(Tag::Link { dest_url, .. }) => {
                unit[1].push_str(&dest_url);
                link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take() {
                    unit[2].push_str(&format!(" ({url})"));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                unit[0].push_str(&t);
                unit[2].push_str(&t);
                if link.is_none() {
                    unit[1].push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => unit.iter_mut().for_each(|u| u.push(' ')),
            _ => {}
        }
    }
    flush(&mut unit, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::{sentences, sentences_drawn};

    #[test]
    fn prose_is_spoken_and_code_tables_and_urls_are_not() {
        let md = "## Summary\n\nThe average is **17.9** degrees. See [the docs](https://example.com/x) for more.\n\n\
                  1. `npm ci` installs the locked versions.\n2. Read `config[\"timeout\"]` first. Then retry.\n\
                  ```python\nprint(\"hello\")\n```\n- Nested:\n  - inner item\n\n\
                  | a | b |\n|---|---|\n| 1 | 2 |\n\n> A quote that\n> wraps.\n\n<div>html</div>\n\nDone!";
        assert_eq!(
            sentences(md),
            [
                "Summary",
                "The average is 17.9 degrees.",
                "See the docs for more.",
                "npm ci installs the locked versions.",
                "Read config[\"timeout\"] first.",
                "Then retry.",
                "Nested:",
                "inner item",
                "A quote that wraps.",
                "Done!",
            ]
        );
    }

    #[test]
    fn links_carry_how_releases_draw_them() {
        let s = sentences_drawn("See [the docs](https://example.com/x) for more.");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "See the docs for more.");
        assert_ne!(s[0].drawn[0], s[0].text, "{:?}", s[0].drawn);
        assert!(s[0].drawn[1].starts_with("See the docs"), "{:?}", s[0].drawn);
    }

    #[test]
    fn nothing_sayable_gives_nothing() {
        assert!(sentences("```\ncode only\n```").is_empty());
        assert!(sentences("").is_empty());
        assert!(sentences("![img](x.png)").is_empty());
    }
}
