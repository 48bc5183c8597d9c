//! ScreenFollower driven directly through on_lines: redraws, streaming, floods, garbage.

use std::time::{Duration, Instant};

use speakja::auto::follow::{FollowerOptions, Heard, ScreenFollower};

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn sentences(h: Vec<Heard>) -> Vec<String> {
    h.into_iter()
        .filter_map(|h| match h {
            Heard::Sentence(s) => Some(s),
            _ => None,
        })
        .collect()
}

const RULE: &str = "────────────────────────────────────────";

#[test]
fn redrawn_message_is_heard_once() {
    let t0 = Instant::now();
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, vec![String::new(); 10], t0);
    let screen = lines(&["❯ hi", "", "⏺ Hello there. How are you?", "", "", RULE, "❯", RULE, "  ? for shortcuts", ""]);
    let mut heard = Vec::new();
    for k in 0..50 {
        let now = t0 + Duration::from_millis(40 * k);
        // Ink erases the region and redraws it, sometimes seen half-way by Neovim.
        if k % 3 == 1 {
            f.on_lines(2, 10, vec![String::new(); 8], now);
            heard.extend(f.poll(now));
        }
        f.on_lines(0, 10, screen.clone(), now);
        heard.extend(f.poll(now));
    }
    assert_eq!(heard.iter().filter(|h| matches!(h, Heard::UserPrompt(_))).count(), 1);
    assert_eq!(sentences(heard), ["Hello there.", "How are you?"]);
}

#[test]
fn streaming_text_without_box_waits_to_be_stable_and_emits_early() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let opts = FollowerOptions { stable_ms: 200, ..FollowerOptions::default() };
    let mut f = ScreenFollower::new(opts);
    f.on_lines(0, 1, vec![String::new(); 6], ms(0));
    // A partial row appears, then is completed in place.
    f.on_lines(0, 1, lines(&["⏺ The first sentence is do"]), ms(0));
    assert!(f.poll(ms(100)).is_empty());
    f.on_lines(0, 1, lines(&["⏺ The first sentence is done. The second one"]), ms(150));
    assert!(f.poll(ms(300)).is_empty(), "row changed at 150 ms, not stable yet");
    f.on_lines(1, 2, lines(&["  goes on."]), ms(320));
    // The first sentence is complete once the row is stable, before the message ends.
    assert_eq!(sentences(f.poll(ms(360))), ["The first sentence is done."]);
    assert!(f.poll(ms(400)).is_empty(), "second sentence waits for what follows");
    assert_eq!(sentences(f.poll(ms(530))), ["The second one goes on."]);
    assert!(f.poll(ms(5000)).is_empty());
}

#[test]
fn tool_call_head_without_parens_is_dropped_when_result_follows() {
    let t0 = Instant::now();
    let mut f = ScreenFollower::new(FollowerOptions::default());
    let screen = lines(&[
        "⏺ Update Todos",
        "  ⎿  ☐ Write the tests",
        "     ☐ Run them",
        "",
        "⏺ Tests are next.",
        "",
        RULE,
        "❯",
        RULE,
    ]);
    f.on_lines(0, 1, screen, t0);
    assert!(f.poll(t0).is_empty(), "read once settled");
    assert_eq!(sentences(f.poll(t0 + Duration::from_secs(1))), ["Tests are next."]);
}

/// Memory use of this process, in KiB (Linux), to check the mirror stays bounded.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn floods_stay_bounded() {
    let t0 = Instant::now();
    let height = 40;
    let scrollback = 10_000;
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, vec![String::new(); height], t0);
    let before = rss_kib();
    // `yes`-like output, as Neovim shows it: scrolled lines inserted above the screen, the
    // oldest deleted past 'scrollback', the visible rows refreshed. 2M lines of 100 bytes.
    let row = "y ".repeat(50);
    let (mut sb, mut clock) = (0usize, 0u64);
    for _ in 0..(2_000_000 / 500) {
        clock += 5;
        let now = t0 + Duration::from_millis(clock);
        f.on_lines(sb, sb, vec![row.clone(); 500], now);
        sb += 500;
        if sb > scrollback {
            f.on_lines(0, sb - scrollback, Vec::new(), now);
            sb = scrollback;
        }
        f.on_lines(sb, sb + height, vec![row.clone(); height], now);
        assert!(f.poll(now).iter().all(|h| matches!(h, Heard::Sentence(_))));
    }
    let mut heard = Vec::new();
    let mut polls = 0;
    // A buffer that is never trimmed (someone else's 'scrollback' is huge): appends only.
    // Rows of one width, as wrapped prose is (a short row would make it a code block).
    f.on_lines(sb + height, sb + height, lines(&["⏺ An endless message, which goes on"]), t0);
    let base = sb + height + 1;
    for k in 0..1_000_000u64 {
        let now = t0 + Duration::from_millis(clock + k);
        let total = base + k as usize;
        f.on_lines(total, total, vec![format!("  line {k:07} of prose without end")], now);
        if k % 500 == 0 {
            let got = sentences(f.poll(now));
            // Output that outruns the reader is not read out in full: a few sentences a read
            // once the reader has lost its place.
            assert!(polls < 2 || got.len() <= 3, "{} sentences in read {polls}", got.len());
            heard.extend(got);
            polls += 1;
        }
    }
    // An endless unpunctuated message still comes out, in bounded sentences.
    heard.extend(sentences(f.poll(t0 + Duration::from_secs(1_000_000))));
    assert!(heard.len() >= polls / 2, "{} sentences in {polls} reads", heard.len());
    assert!(heard.iter().all(|s| s.chars().count() <= speakja::text::segment::MAX_CHARS));
    if let (Some(a), Some(b)) = (before, rss_kib()) {
        assert!(b.saturating_sub(a) < 64 * 1024, "RSS grew from {a} KiB to {b} KiB");
    }
}

#[test]
fn garbage_never_panics() {
    let t0 = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pool = [
        "⏺ ",
        "❯ ",
        "  ⎿  ",
        RULE,
        "  - ",
        "  1. ",
        "│ a │ b │",
        "e.g. ",
        "。",
        ". ",
        "  ",
        "✻ x… (esc to interrupt)",
        "```",
        "\u{1b}[2K",
        "日本",
        "(ctrl+o to expand)",
    ];
    for round in 0..200 {
        let mut f =
            ScreenFollower::new(FollowerOptions { stable_ms: next() % 300, max_lines: 1 + (next() % 80) as usize });
        let mut len = 1usize;
        for _ in 0..300 {
            let first = (next() % (len as u64 + 3)) as usize;
            let last = first + (next() % 5) as usize;
            let n = (next() % 6) as usize;
            let new: Vec<String> = (0..n)
                .map(|_| {
                    let mut s = String::new();
                    for _ in 0..next() % 6 {
                        if next() % 4 == 0 {
                            let bytes: Vec<u8> = (0..next() % 12).map(|_| next() as u8).collect();
                            s.push_str(&String::from_utf8_lossy(&bytes));
                        } else {
                            s.push_str(pool[(next() % pool.len() as u64) as usize]);
                        }
                    }
                    s
                })
                .collect();
            len = (len + n).saturating_sub(last.min(len).saturating_sub(first.min(len))).max(1);
            // The clock may even step back (a caller bug) without harm.
            let now = t0 + Duration::from_millis(next() % 10_000);
            f.on_lines(first, last, new, now);
            if next() % 3 == 0 {
                for h in f.poll(now) {
                    if let Heard::Sentence(s) = h {
                        assert!(!s.is_empty() && !s.contains('\u{1b}'), "round {round}: {s:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn text_streamed_onto_a_row_is_read_from_where_it_was() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut f = ScreenFollower::new(FollowerOptions::default());
    let region = |text: &[&str], frame: usize| {
        let mut v = lines(text);
        v.push(format!("{} Writing… (esc to interrupt)", ["✢", "✳", "✶"][frame % 3]));
        v.extend(lines(&["", RULE, "❯", RULE]));
        v
    };
    f.on_lines(0, 1, region(&["⏺ The first sentence is here. The sec"], 0), ms(0));
    let mut heard = f.poll(ms(0));
    let n = region(&[], 0).len() + 1;
    f.on_lines(0, n, region(&["⏺ The first sentence is here. The second one grows"], 1), ms(100));
    heard.extend(f.poll(ms(100)));
    f.on_lines(0, n, region(&["⏺ The first sentence is here. The second one grows", "  over two rows."], 2), ms(200));
    heard.extend(f.poll(ms(200)));
    // Ink moves the finished message to static output; the live region is redrawn below.
    f.on_lines(
        0,
        n + 1,
        lines(&["⏺ The first sentence is here. The second one grows", "  over two rows.", "", "", RULE, "❯", RULE]),
        ms(300),
    );
    heard.extend(f.poll(ms(300)));
    heard.extend(f.poll(ms(3000)));
    assert_eq!(sentences(heard), ["The first sentence is here.", "The second one grows over two rows."]);
}

#[test]
fn other_platforms_and_versions() {
    let t0 = Instant::now();
    // `●` marks messages outside macOS; Claude Code 1.x draws a rounded input box and echoes
    // prompts with `>`.
    let screen = lines(&[
        "> what changed?",
        "",
        "● Bash(git diff --stat)",
        "  ⎿   src/lib.rs | 2 +-",
        "",
        "● Only src/lib.rs changed. It is a one-line fix.",
        "",
        "* Pondering… (esc to interrupt)",
        "",
        "╭──────────────────────────────────────╮",
        "│ > █                                  │",
        "╰──────────────────────────────────────╯",
        "  ? for shortcuts",
    ]);
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, screen, t0);
    let heard = f.poll(t0 + Duration::from_secs(1));
    assert!(matches!(heard[0], Heard::UserPrompt(_)));
    assert_eq!(sentences(heard), ["Only src/lib.rs changed.", "It is a one-line fix."]);
    assert!(f.poll(t0 + Duration::from_secs(10)).is_empty());
}

#[test]
fn trimming_scrollback_does_not_cut_a_pending_sentence() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, lines(&["⏺ An old message", "  wraps here.", "", "⏺ The pending sentence is"]), ms(0));
    assert_eq!(sentences(f.poll(ms(500))), ["An old message wraps here."]);
    // Neovim drops the oldest lines past 'scrollback' while the message is still open.
    f.on_lines(0, 2, Vec::new(), ms(700));
    assert!(f.poll(ms(900)).is_empty());
    f.on_lines(2, 2, lines(&["  finished now.", ""]), ms(1000));
    assert_eq!(sentences(f.poll(ms(1500))), ["The pending sentence is finished now."]);
}

/// What was heard went off the top under a tool's output (a small 'scrollback', or a long
/// session) before the next message came: every sentence of that message is new and heard,
/// not just the last few kept for a flood that outran the reader.
#[test]
fn a_message_after_heard_text_left_the_top_is_heard_whole() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 0, lines(&["⏺ I'll look at the log first.", "", "⏺ Bash(cat ci.log)"]), ms(0));
    assert_eq!(sentences(f.poll(ms(500))), ["I'll look at the log first."]);
    let output: Vec<String> = (0..40).map(|k| format!("     log line {k}")).collect();
    f.on_lines(3, 3, output, ms(600));
    assert!(f.poll(ms(1000)).is_empty());
    // Past 'scrollback' the oldest lines go, with the sentence that was heard.
    f.on_lines(0, 20, Vec::new(), ms(1100));
    let reply: Vec<String> =
        (1..=6).flat_map(|k| [format!("⏺ Finding number {k} is explained here."), String::new()]).collect();
    f.on_lines(23, 23, reply, ms(1200));
    let heard = sentences(f.poll(ms(2000)));
    assert_eq!(heard.len(), 6, "{heard:?}");
    // Rows drawn after the last read that went before it was read: only the last few.
    let flood: Vec<String> =
        (1..=12).flat_map(|k| [format!("⏺ Flooded sentence {k} is here."), String::new()]).collect();
    f.on_lines(35, 35, flood, ms(2100));
    f.on_lines(0, 45, Vec::new(), ms(2100));
    assert_eq!(sentences(f.poll(ms(3000))).len(), 3);
}

#[test]
fn attaching_to_a_running_session_skips_what_is_there() {
    let t0 = Instant::now();
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(
        0,
        0,
        lines(&["❯ old question", "", "⏺ Old answer. It was", "  already read.", "", "⏺ A new message is"]),
        t0,
    );
    f.skip_existing(t0);
    assert!(f.poll(t0 + Duration::from_secs(1)).is_empty());
    f.on_lines(6, 6, lines(&["  being written now. And more.", ""]), t0 + Duration::from_secs(2));
    assert_eq!(sentences(f.poll(t0 + Duration::from_secs(3))), ["A new message is being written now.", "And more."]);
}

#[test]
fn neovim_scrolling_one_row_per_call_is_heard_once() {
    // Neovim 0.12 scrolls a terminal by inserting each row that scrolled off above the stale
    // visible rows, one call each, and then replacing every visible row with the shifted
    // screen; past 'scrollback' it deletes the oldest lines in between.
    let t0 = Instant::now();
    let (height, scrollback) = (8, 10);
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, vec![String::new(); height], t0);
    let transcript: Vec<String> = ["❯ count to thirty".to_string(), String::new()]
        .into_iter()
        .chain((1..=30).flat_map(|k| [format!("⏺ Sentence number {k} is here."), String::new()]))
        .collect();
    let room = height - 3;
    let (mut sb, mut top) = (0, 0);
    let mut heard = Vec::new();
    for (step, shown) in (1..=transcript.len()).step_by(3).chain([transcript.len()]).enumerate() {
        // Slower than the settle time, or rows would leave a 10-line scrollback unread.
        let now = t0 + Duration::from_millis(300 * step as u64);
        let new_top = shown.saturating_sub(room);
        for row in &transcript[top..new_top] {
            f.on_lines(sb, sb, vec![row.clone()], now);
            sb += 1;
        }
        top = new_top;
        if sb > scrollback {
            f.on_lines(0, sb - scrollback, Vec::new(), now);
            sb = scrollback;
        }
        let mut screen = transcript[top..shown].to_vec();
        screen.resize(room, String::new());
        screen.extend(lines(&[RULE, "❯", RULE]));
        f.on_lines(sb, sb + height, screen, now);
        heard.extend(f.poll(now));
    }
    heard.extend(f.poll(t0 + Duration::from_secs(60)));
    assert_eq!(heard.iter().filter(|h| matches!(h, Heard::UserPrompt(_))).count(), 1);
    let want: Vec<String> = (1..=30).map(|k| format!("Sentence number {k} is here.")).collect();
    assert_eq!(sentences(heard), want);
}

#[test]
fn text_streamed_onto_a_row_while_the_screen_scrolls_is_heard_once() {
    let t0 = Instant::now();
    let height = 6;
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 1, vec![String::new(); height], t0);
    let footer = [RULE, "❯", RULE];
    let screen = |rows: &[&str]| {
        let mut v = lines(rows);
        v.extend(lines(&footer));
        v
    };
    f.on_lines(0, height, screen(&["❯ go", "", "⏺ The first part of"]), t0);
    let mut heard = f.poll(t0 + Duration::from_millis(100));
    // The row grows and two more rows push the top two off the screen, Neovim-style.
    let now = t0 + Duration::from_millis(400);
    f.on_lines(0, 0, lines(&["❯ go"]), now);
    f.on_lines(1, 1, lines(&[""]), now);
    f.on_lines(2, 2 + height, screen(&["⏺ The first part of the sentence. Then", "  another one.", ""]), now);
    heard.extend(f.poll(t0 + Duration::from_secs(5)));
    assert_eq!(sentences(heard), ["The first part of the sentence.", "Then another one."]);
}

/// Issue #25: a sentence that looks complete is offered for work ahead once the screen has
/// rested, before `stable_ms` says it is heard; each is offered once, and one still being
/// written (no end mark) is not.
#[test]
fn a_complete_sentence_is_offered_ahead_once_and_then_heard() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let opts = FollowerOptions { stable_ms: 250, ..FollowerOptions::default() };
    let mut f = ScreenFollower::new(opts);
    f.on_lines(0, 1, vec![String::new(); 6], ms(0));
    f.on_lines(0, 1, lines(&["⏺ The build is green on both machines. Next I will"]), ms(0));
    assert!(sentences(f.poll(ms(40))).is_empty(), "not heard before stable_ms");
    assert_eq!(f.take_likely(), ["The build is green on both machines."]);
    assert!(sentences(f.poll(ms(120))).is_empty());
    assert!(f.take_likely().is_empty(), "offered once");
    assert_eq!(sentences(f.poll(ms(300))), ["The build is green on both machines."]);
    assert!(f.take_likely().is_empty(), "the unfinished one is not offered");
}

/// While it waits, the follower reads again only when a row may have aged into readiness:
/// a sentence is still heard at `stable_ms`, and a row with no end mark and nothing busy
/// below it once it has rested two seconds, with no change in between to prompt a read.
#[test]
fn waiting_rows_are_heard_when_they_age_without_further_changes() {
    let t0 = Instant::now();
    let mut f = ScreenFollower::new(FollowerOptions::default());
    f.on_lines(0, 0, lines(&["❯ why?", "", "⏺ The cache is cold. The loop adds every number to", ""]), t0);
    let mut heard = Vec::new();
    let mut at = Vec::new();
    for k in 1..=60 {
        let now = t0 + Duration::from_millis(50 * k);
        let new = sentences(f.poll(now));
        at.extend(new.iter().map(|_| k * 50));
        heard.extend(new);
    }
    assert_eq!(heard, ["The cache is cold.", "The loop adds every number to"]);
    assert_eq!(at[0], 250, "heard at the first poll after stable_ms");
    assert_eq!(at[1], 2000, "closed at the first poll after two seconds at rest");
}

/// Benchmark, not run by `make test`: what a poll costs while a sentence waits for
/// `stable_ms` on a 900-row screen, beside one full reading of that screen (what each
/// waiting poll did twice before it read only when due), in one run.
/// `cargo test --release --test tui_follower -- --ignored --nocapture waiting_poll_cost`
#[test]
#[ignore]
fn waiting_poll_cost() {
    let t0 = Instant::now();
    let mut f = ScreenFollower::new(FollowerOptions::default());
    let mut screen = Vec::new();
    for i in 0..300 {
        screen.push(format!("● Paragraph {i} says a thing about the parser and the cache that is long enough."));
        screen.push(format!("  It goes on for a while with more words in row {i}, and then it ends."));
        screen.push(String::new());
    }
    screen.extend(lines(&["● The last line is still", "✻ Whirring…"]));
    f.on_lines(0, 0, screen, t0);
    f.skip_existing(t0);
    f.on_lines(900, 901, lines(&["● The last line is still being drawn now."]), t0 + Duration::from_millis(10));
    let polls = 200u32;
    let start = Instant::now();
    for k in 0..polls {
        f.poll(t0 + Duration::from_millis(50 + u64::from(k)));
    }
    let poll = start.elapsed() / polls;
    let start = Instant::now();
    for _ in 0..20 {
        f.explain(1000, t0);
    }
    let read = start.elapsed() / 20;
    println!("waiting poll: {poll:?} each; one full reading: {read:?}");
    assert!(poll * 10 < read, "a waiting poll ({poll:?}) should cost far less than a reading ({read:?})");
}
