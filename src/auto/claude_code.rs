//! Claude Code's screen grammar: which rows of its terminal hold the agent's prose, and
//! which are tool calls, results, dialogs, code, spinners and footers.
//!
//! This is the part each Claude Code release changes. It is edited against the recordings of
//! the real program in `tests/fixtures/claude/` (1.0.x in the main screen, 2.x in the
//! alternate screen), and knows nothing of how the rows got there (`screen`) or what was
//! already said (`follow`).
//!
//! What it relies on, in both major versions:
//! - a message starts at column 0 with `●` (Linux, Windows) or `⏺` (macOS), its text two
//!   columns in; a tool call's head is `Name(args)`, a collapsed group (`Read 1 file`), a
//!   status (`Agent "…" finished`) or a description that a `⎿` result row follows;
//! - code blocks keep no fences, only their shape; tables are drawn with box characters;
//! - the input box and dialogs open with a full-width rule near the bottom; spinners and
//!   footers (`✻ Brewed for 3s`) start at column 0 with a star glyph; the user's prompt is
//!   echoed as `❯ text` (2.x) or `> text` (1.0.x).

use std::time::{Duration, Instant};

use unicode_width::UnicodeWidthStr;

use super::codeness::{self, is_code};
use crate::text::clean::clean;
use crate::text::segment::Segmenter;

/// Claude Code marks messages with `⏺` on macOS and `●` elsewhere.
const MARKERS: [char; 2] = ['⏺', '●'];
/// A blockquote's bar, drawn at the start of each of its rows.
const QUOTE_BARS: [char; 4] = ['▎', '▍', '▌', '┃'];
/// How far above the last row the input box or a dialog may start.
const CHROME_SCAN: usize = 40;
/// A paragraph unchanged this long, with no spinner below it, is complete even with nothing
/// drawn after it (a 1.0.x turn ends without a footer); streamed 2.x lines come much faster.
const IDLE_CLOSE: Duration = Duration::from_millis(2000);
/// Columns a row may end short of where its next word would fit and still be wrapped prose
/// (other renderers wrap less tightly than Claude Code's).
const HARD_BREAK_SLACK: usize = 8;
/// A row this close to the width may have been wrapped: the word after it did not fit.
const FULL_ROW_SLACK: usize = 14;
/// Rows indented this far are right-aligned status (`◐ medium · /effort`), not text.
const STATUS_INDENT: usize = 30;

/// What a tool call does, for a short spoken note (`auto.narrate_tools`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    Command,
    Read,
    Edit,
    Search,
    Agent,
    Todo,
    Web,
    Other,
}

impl ToolKind {
    /// From a tool's name or a collapsed group's first word.
    fn of(word: &str) -> Self {
        match word.trim_matches(|c: char| !c.is_alphanumeric()) {
            "Bash" | "Run" | "Ran" | "Running" | "BashOutput" | "KillShell" => Self::Command,
            "Read" | "Reading" | "Listed" | "Listing" | "LS" => Self::Read,
            "Edit" | "MultiEdit" | "Write" | "Wrote" | "Writing" | "Update" | "Updated" | "Updating" | "Edited"
            | "Editing" | "Create" | "Created" | "Creating" | "NotebookEdit" => Self::Edit,
            "Grep" | "Glob" | "Search" | "Searched" | "Searching" | "Found" | "Finding" => Self::Search,
            "Task" | "Agent" => Self::Agent,
            "TodoWrite" | "Todo" | "Todos" | "TaskCreate" | "TaskUpdate" | "TaskList" | "TaskGet" => Self::Todo,
            "WebFetch" | "WebSearch" | "Fetch" | "Fetched" | "Fetching" => Self::Web,
            _ => Self::Other,
        }
    }

    /// The note spoken when the agent starts such a tool: fixed, so it costs no translation.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Command => "コマンドを実行します",
            Self::Read => "ファイルを読みます",
            Self::Edit => "ファイルを編集します",
            Self::Search => "検索します",
            Self::Agent => "エージェントに任せます",
            Self::Todo => "やることリストを更新します",
            Self::Web => "ウェブを調べます",
            Self::Other => "ツールを使います",
        }
    }
}

/// Where reading stands before a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ctx {
    /// Banner, spinner, tool output, anything that is not a message.
    #[default]
    Other,
    /// Inside a message: indented rows are its paragraphs.
    Message,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    Sentence,
    /// A prompt the user sent, echoed into the transcript.
    Prompt,
    Tool(ToolKind),
}

/// One thing on screen, in transcript order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    /// Cleaned sentence, or the prompt's text.
    pub text: String,
    /// Complete (nothing can be added to it any more) and unchanged for the settle time.
    pub ready: bool,
    /// Its start is above the rows read: only its end is here.
    pub fragment: bool,
}

/// Everything read from the rows, and each row's context (to start the next read there).
#[derive(Debug, Default)]
pub struct Reading {
    pub items: Vec<Item>,
    pub ctx_before: Vec<Ctx>,
    /// What each row was taken for (`:SpeakJaAuto debug`).
    pub kinds: Vec<RowKind>,
}

/// What a row was taken for: why it was heard, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowKind {
    /// The input box, a dialog and what is below them: never read.
    #[default]
    Live,
    Blank,
    /// A message's text (prose, unless a later step says code or table).
    Prose,
    Code,
    Table,
    /// A tool call, its description or a collapsed group.
    Tool,
    /// Tool output (`⎿ …`).
    Result,
    Prompt,
    Spinner,
    /// Status, hints, logos, task lists: rows no release means as prose.
    Chrome,
    /// Not inside a message: banners, tool output, dialogs' remains.
    Outside,
}

/// A row as the grammar needs it.
pub struct Row<'a> {
    pub text: &'a str,
    pub since: Instant,
}

/// The first moment after `now` at which [`read`] could answer otherwise for the same rows
/// (their times `since`): a row's age crossing `settle` or the idle close is all that time
/// changes in a reading.
pub fn next_change(since: impl Iterator<Item = Instant>, now: Instant, settle: Duration) -> Option<Instant> {
    since.flat_map(|t| [t + settle, t + IDLE_CLOSE]).filter(|&t| t > now).min()
}

/// Reads `rows` (a window onto the terminal buffer, oldest first); `start` is the context
/// before the first row. Rows in the live region (input box, dialogs, their status lines)
/// are never read.
///
/// Two steps: each row is classified by its own text and the context above it (`Line`),
/// then a fold over the classified rows gathers message paragraphs, prompts and tool calls,
/// and each paragraph becomes sentences.
pub fn read(rows: &[Row], start: Ctx, now: Instant, settle: Duration) -> Reading {
    let end = chrome_start(rows);
    let width = terminal_width(rows);
    let lines = classify(&rows[..end], start, width);
    let mut kinds: Vec<RowKind> = lines.iter().map(|(_, line)| line.kind()).collect();
    kinds.resize(rows.len(), RowKind::Live);
    let mut ctx_before: Vec<Ctx> = lines.iter().map(|(at, _)| at.ctx).collect();
    ctx_before.resize(rows.len(), Ctx::Other);
    let mut fold = Fold::default();
    for (i, (at, line)) in lines.into_iter().enumerate() {
        fold.row(i, at, line, rows, now, settle);
    }
    let items = assemble(rows, fold, &Frame { width, now, settle }, &mut kinds);
    Reading { items, ctx_before, kinds }
}

/// Where reading stands before a row.
#[derive(Debug, Clone, Copy)]
struct Place {
    ctx: Ctx,
    /// A message paragraph is open: the next text row goes on with it.
    open: bool,
}

/// What one row is, by its own text and the place above it.
#[derive(Debug, Clone, Copy)]
enum Line<'a> {
    /// Empty, or a markdown rule (`---`, drawn as it is): parts paragraphs.
    Blank,
    /// Goes on a message row that filled the width: Neovim reflows the main screen on a
    /// resize, and the rest of the row lands at column 0 of the next.
    Reflowed,
    /// A busy spinner at column 0.
    Spinner,
    /// Anything else at column 0 that is no message, prompt or tool call (banners, footers).
    Edge,
    /// `● high · /effort`: a status drawn with the message marker. Not a message.
    MarkedStatus,
    /// A tool call's head; `report` when it reports on a call instead of starting one
    /// (`Agent "…" finished · 2s`).
    Tool { kind: ToolKind, report: bool },
    /// A message's first row (`● text`).
    Head,
    /// The user's prompt echoed (its text).
    Prompt(&'a str),
    /// A `⎿` row: a tool's output, or the user's interrupt.
    Result { interrupted: bool },
    /// Right-aligned status among a message's rows: the paragraph goes on below it.
    Status,
    /// A hint or status among a message's rows: what follows is not the paragraph's any more.
    Hint,
    /// An indented row of a message.
    Text,
    /// An indented row outside a message.
    Outside,
}

impl<'a> Line<'a> {
    fn of(text: &'a str, at: Place, above_full: bool) -> Self {
        let t = text.trim_end();
        let body = t.trim_start();
        let indent = t.len() - body.len();
        if body.is_empty() || is_markdown_rule(body) {
            return Self::Blank;
        }
        // 2.1.337 draws the interrupt at column 0 with its own glyph (`∷`); older releases as
        // a `⎿` result. Known by its words, whatever the glyph.
        if is_interrupt(body) {
            return Self::Result { interrupted: true };
        }
        if indent == 0 {
            let reflowed = at.open && at.ctx == Ctx::Message && above_full && continues_row(t);
            return if reflowed { Self::Reflowed } else { Self::at_column_zero(body) };
        }
        if body.starts_with('⎿') {
            return Self::Result { interrupted: body.contains("Interrupted") };
        }
        match at.ctx {
            Ctx::Other => Self::Outside,
            // Hints and status a release draws among the rows are never prose.
            Ctx::Message if indent >= STATUS_INDENT => Self::Status,
            Ctx::Message if is_chrome(body) => Self::Hint,
            Ctx::Message => Self::Text,
        }
    }

    fn at_column_zero(body: &'a str) -> Self {
        if is_spinner(body) {
            return Self::Spinner;
        }
        if let Some(rest) = body.strip_prefix(MARKERS) {
            let rest = rest.trim_start();
            return match tool_head(rest) {
                Some(kind) => Self::Tool { kind, report: rest.contains(" finished") },
                None if is_chrome(rest) => Self::MarkedStatus,
                None => Self::Head,
            };
        }
        echoed_prompt(body).map_or(Self::Edge, Self::Prompt)
    }

    /// Where reading stands after this row.
    fn after(self, at: Place) -> Place {
        match self {
            Self::Reflowed | Self::Status | Self::Outside => at,
            Self::Blank | Self::Hint => Place { open: false, ..at },
            Self::Head | Self::Text => Place { ctx: Ctx::Message, open: true },
            Self::Spinner
            | Self::Edge
            | Self::MarkedStatus
            | Self::Tool { .. }
            | Self::Prompt(_)
            | Self::Result { .. } => Place { ctx: Ctx::Other, open: false },
        }
    }

    /// What the row is taken for, before its paragraph says code, table or tool.
    fn kind(self) -> RowKind {
        match self {
            Self::Blank => RowKind::Blank,
            Self::Reflowed | Self::Head | Self::Text => RowKind::Prose,
            Self::Spinner => RowKind::Spinner,
            Self::Edge | Self::Outside => RowKind::Outside,
            Self::MarkedStatus | Self::Status | Self::Hint => RowKind::Chrome,
            Self::Tool { .. } => RowKind::Tool,
            Self::Prompt(_) => RowKind::Prompt,
            Self::Result { .. } => RowKind::Result,
        }
    }
}

/// A column-0 row that may be the rest of a message row: nothing Claude Code itself draws
/// at column 0.
fn continues_row(t: &str) -> bool {
    let body = t.trim_start();
    !body.starts_with(MARKERS) && !is_spinner(body) && !is_box_edge(t) && echoed_prompt(body).is_none()
}

/// Each row with the place above it and what it is.
fn classify<'a>(rows: &[Row<'a>], start: Ctx, width: usize) -> Vec<(Place, Line<'a>)> {
    let mut at = Place { ctx: start, open: false };
    let mut lines = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let above_full = i > 0 && rows[i - 1].text.trim_end().width() + 1 >= width;
        let line = Line::of(row.text, at, above_full);
        lines.push((at, line));
        at = line.after(at);
    }
    lines
}

/// A run of indented message rows between blank rows.
struct Para {
    rows: Vec<usize>,
    /// Starts at a message head (`● text`).
    head: bool,
    /// A `⎿` result follows it directly: a tool call's description, not prose.
    tool: bool,
    /// Its first row is the first row read, with no head or blank row above it.
    cut: bool,
    /// The user stopped the reply here (`⎿  Interrupted`): its last words may be cut.
    interrupted: bool,
    /// Rows that go on a row the terminal cut at its width (reflowed by a resize).
    reflowed: Vec<usize>,
}

impl Para {
    fn new(first: usize, head: bool, cut: bool) -> Self {
        Self { rows: vec![first], head, tool: false, cut, interrupted: false, reflowed: Vec::new() }
    }

    /// Row `r` as the paragraph reads it: without the head's marker or a quote's bar.
    fn body<'a>(&self, rows: &[Row<'a>], r: usize) -> &'a str {
        let t = rows[r].text.trim();
        let t = if self.head && r == self.rows[0] { t.trim_start_matches(MARKERS).trim_start() } else { t };
        // 2.1.x draws a quote's bar on every row it wraps to.
        t.strip_prefix(QUOTE_BARS).map_or(t, str::trim_start)
    }
}

/// The classified rows gathered: message paragraphs, the marks between them, and what
/// decides whether the last paragraph can still grow.
#[derive(Default)]
struct Fold {
    paras: Vec<Para>,
    /// (row, item) of prompts and tool calls.
    marks: Vec<(usize, Item)>,
    /// The last row after which no paragraph can grow: anything at column 0 but a spinner.
    closer: Option<usize>,
    /// The last busy spinner row.
    spinner: Option<usize>,
}

impl Fold {
    fn row(&mut self, i: usize, at: Place, line: Line, rows: &[Row], now: Instant, settle: Duration) {
        let settled = now.saturating_duration_since(rows[i].since) >= settle;
        match line {
            Line::Blank | Line::Status | Line::Hint | Line::Outside => {}
            Line::Spinner => self.spinner = Some(i),
            Line::Edge | Line::MarkedStatus | Line::Tool { report: true, .. } => self.closer = Some(i),
            Line::Tool { kind, report: false } => {
                self.closer = Some(i);
                self.marks.push((i, Item { ready: settled, ..tool_item(kind) }));
            }
            Line::Prompt(text) => {
                self.closer = Some(i);
                let item = Item { kind: ItemKind::Prompt, text: text.to_string(), ready: settled, fragment: false };
                self.marks.push((i, item));
            }
            Line::Head => {
                self.closer = Some(i);
                self.paras.push(Para::new(i, true, false));
            }
            Line::Reflowed => {
                if let Some(p) = self.paras.last_mut() {
                    p.rows.push(i);
                    p.reflowed.push(i);
                }
            }
            Line::Text => match self.paras.last_mut() {
                Some(p) if at.open => p.rows.push(i),
                // The first row read, in a message begun above: maybe mid-paragraph.
                _ => self.paras.push(Para::new(i, false, i == 0)),
            },
            Line::Result { interrupted } => self.result(i, at, interrupted, rows),
        }
    }

    /// What was drawn right above a result is the call's description, unless the "result"
    /// is the user's interrupt.
    fn result(&mut self, i: usize, at: Place, interrupted: bool, rows: &[Row]) {
        if interrupted {
            // The cut paragraph is the last one, right above or (2.1.337) a blank row above.
            let last = self.paras.last_mut();
            if let Some(p) =
                last.filter(|p| p.rows.last().is_some_and(|&r| rows[r + 1..i].iter().all(|r| r.text.trim().is_empty())))
            {
                p.interrupted = true;
            }
        } else if let Some(p) = self.paras.last_mut().filter(|_| at.open) {
            p.tool = true;
        }
        // A spinner's `⎿ Tip:` line is part of the spinner, not output after the text.
        if self.spinner.is_none_or(|s| rows[s + 1..i].iter().any(|r| !r.text.trim().is_empty())) {
            self.closer = Some(i);
        }
    }
}

/// How a paragraph's rows join (the screen's width) and when its sentences are ready.
struct Frame {
    width: usize,
    now: Instant,
    settle: Duration,
}

/// The paragraphs' sentences and the marks (prompts, tool calls), in screen order.
fn assemble(rows: &[Row], fold: Fold, e: &Frame, kinds: &mut [RowKind]) -> Vec<Item> {
    let Fold { paras, marks, closer, spinner } = fold;
    let mut items = Vec::new();
    let mut marks = marks.into_iter().peekable();
    for (k, para) in paras.iter().enumerate() {
        let first = para.rows[0];
        while let Some((_, item)) = marks.next_if(|(r, _)| *r < first) {
            items.push(item);
        }
        // Closed once anything is drawn after it (a spinner aside), or long unchanged.
        let last = *para.rows.last().unwrap_or(&first);
        let quiet = spinner.is_none_or(|s| s < first)
            && para.rows.iter().all(|&r| e.now.saturating_duration_since(rows[r].since) >= IDLE_CLOSE);
        let closed = paras.get(k + 1).is_some() || closer.is_some_and(|c| c > last) || quiet;
        read_para(para, rows, closed, e, &mut items, kinds);
    }
    items.extend(marks.map(|(_, item)| item));
    items
}

fn tool_item(kind: ToolKind) -> Item {
    Item { kind: ItemKind::Tool(kind), text: String::new(), ready: true, fragment: false }
}

/// How a paragraph's rows read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A code block: nothing in it is heard.
    Code,
    /// Rows of prose, joined where they wrap.
    Prose,
    /// Sentences with code drawn among them: code rows are left out one by one.
    Mixed,
}

impl Shape {
    fn of(para: &Para, rows: &[Row]) -> Self {
        let body = |r: usize| para.body(rows, r);
        let first = body(para.rows[0]);
        // List items that read as sentences: code drawn between them with no blank row (2.x
        // draws a block right under its item) is left out row by row.
        let list_items =
            para.rows.iter().filter(|&&r| list_marker(body(r)).is_some_and(|len| !is_code(&body(r)[len..]))).count();
        let code_rows = para.rows.iter().filter(|&&r| is_code(body(r))).count();
        // Or a lead-in that ends a sentence with code right under it and sentences after
        // (2.1.x draws a short block with no blank rows).
        let lead_in = ends_sentence(first) && !is_code(first) && code_rows > 0 && code_rows * 2 <= para.rows.len();
        // Otherwise code: shaped so from its first row, or in most rows (a prose row may hold
        // a path), or broken where prose would have wrapped.
        if list_items > 0 || lead_in {
            Self::Mixed
        } else if is_code(first) || code_rows * 2 > para.rows.len() || has_hard_break(para, rows) {
            Self::Code
        } else {
            Self::Prose
        }
    }
}

/// The sentences (or tool note) of one paragraph.
fn read_para(para: &Para, rows: &[Row], closed: bool, e: &Frame, items: &mut Vec<Item>, kinds: &mut [RowKind]) {
    let mut mark = |kind: RowKind| para.rows.iter().for_each(|&r| kinds[r] = kind);
    if para.tool {
        mark(RowKind::Tool);
        return;
    }
    let first = para.body(rows, para.rows[0]);
    if let Some(kind) = collapsed_group(first).or_else(|| tool_call(first)) {
        mark(RowKind::Tool);
        items.push(tool_item(kind));
        return;
    }
    let shape = Shape::of(para, rows);
    if shape == Shape::Code {
        mark(RowKind::Code);
        return;
    }
    let units = units(para, rows, shape, e.width, kinds);
    let count = units.len();
    // The last row read ends where a wrap would have put it (no room for another word).
    let last_row_full = para.rows.last().is_some_and(|&r| rows[r].text.trim_end().width() + FULL_ROW_SLACK >= e.width);
    for (u, pieces) in units.into_iter().enumerate() {
        let closed = (closed && !para.interrupted) || u + 1 < count;
        for (j, (s, complete, changed)) in
            sentences(redacted(pieces), closed, last_row_full, e.now).into_iter().enumerate()
        {
            let text = clean(&s);
            // Words cut off by an interrupt never become a sentence: drop them, so they do
            // not hold back what follows.
            if text.is_empty() || (para.interrupted && !complete) {
                continue;
            }
            items.push(Item {
                kind: ItemKind::Sentence,
                text,
                ready: complete && e.now.saturating_duration_since(changed) >= e.settle,
                fragment: para.cut && u == 0 && j == 0,
            });
        }
    }
}

/// A unit's rows as pieces (with the separator each needs) and their times, to know when
/// each sentence last changed.
type Unit = Vec<(String, Instant)>;

/// A paragraph's units: list items are units of their own; other rows continue the unit
/// above them. Tables and code rows of a mixed paragraph are marked and left out.
fn units(para: &Para, rows: &[Row], shape: Shape, width: usize, kinds: &mut [RowKind]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut above: Option<usize> = None;
    let mut in_code = false;
    for &r in &para.rows {
        let text = para.body(rows, r);
        if is_table_row(text) {
            kinds[r] = RowKind::Table;
            // What follows a table is a unit of its own, with or without a blank row.
            above = None;
            continue;
        }
        if shape == Shape::Mixed && !para.reflowed.contains(&r) {
            match list_marker(text) {
                Some(len) if !is_code(&text[len..]) => in_code = false,
                // A row that reads plainly as a sentence ends the code above it.
                None if in_code && codeness::score(text) <= -3 => in_code = false,
                _ if in_code || is_code(text) || is_key_over_code(para, rows, r) => {
                    kinds[r] = RowKind::Code;
                    in_code = true;
                    above = None;
                    continue;
                }
                _ => {}
            }
        }
        let since = rows[r].since;
        // A row the terminal cut off its row above is never an item, whatever it starts with
        // (`150.` / `00.`).
        let marker = if para.reflowed.contains(&r) { None } else { list_marker(text) };
        match (units.last_mut().zip(above), marker) {
            (Some((unit, a)), None) => {
                let tight = joins_tight(para, rows, a, r, width);
                unit.push((format!("{}{text}", if tight { "" } else { " " }), since));
            }
            (_, marker) => {
                let text = marker.map_or(text, |len| text[len..].trim_start());
                units.push(vec![(text.to_string(), since)]);
            }
        }
        above = Some(r);
    }
    units
}

/// A bare `key:` row (`db:`) with a deeper row of code or another bare key under it: the
/// top of a YAML block. Alone, such a row could be a one-word lead-in ("Notes:").
fn is_key_over_code(para: &Para, rows: &[Row], r: usize) -> bool {
    let bare_key = |t: &str| {
        t.strip_suffix(':').is_some_and(|k| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
    };
    let indent = |i: usize| rows[i].text.len() - rows[i].text.trim_start().len();
    let mut at = r;
    // Down a chain of bare keys, each deeper than the one above, to the code they hold.
    while bare_key(para.body(rows, at)) {
        let Some(&next) = para.rows.iter().find(|&&n| n > at) else { return false };
        if next != at + 1 || indent(next) <= indent(at) {
            return false;
        }
        if is_code(para.body(rows, next)) {
            return true;
        }
        at = next;
    }
    false
}

/// Row `r` goes on row `a` with no space between: the terminal wrapped it (2.0.x draws a
/// paragraph as one line; a resize reflows), or both sides are wide characters, or a key
/// was cut there.
fn joins_tight(para: &Para, rows: &[Row], a: usize, r: usize, width: usize) -> bool {
    let (prev, text) = (para.body(rows, a), para.body(rows, r));
    let above_width = rows[a].text.trim_end().width();
    // One that fills the width was cut inside a word, one a column short ended on a space
    // the buffer trimmed.
    let cut = (para.reflowed.contains(&r) && above_width >= width)
        // A full row cut where it ended, not at a space: Japanese text, or one long token.
        || (above_width + 1 >= width && (prev.chars().any(is_wide) || !prev.contains(' ')));
    let wide = |c: Option<char>| c.is_some_and(is_wide);
    cut || wide(prev.chars().last()) && wide(text.chars().next()) || key_wrapped(prev, above_width + 1 >= width, text)
}

/// A unit's sentences, each with whether it is complete and when its rows last changed.
/// `closed`: nothing can be added to the unit any more.
fn sentences(pieces: Unit, closed: bool, last_row_full: bool, now: Instant) -> Vec<(String, bool, Instant)> {
    let mut sentences = Vec::new();
    let mut seg = Segmenter::new();
    let mut newest = None;
    for (piece, since) in pieces {
        let newest = *newest.insert(newest.map_or(since, |n: Instant| n.max(since)));
        sentences.extend(seg.push(&piece).into_iter().map(|s| (s, true, newest)));
    }
    let newest = newest.unwrap_or(now);
    sentences.extend(seg.flush().into_iter().map(|s| {
        // A lead-in's colon at the end of a full row may be a colon inside a sentence that
        // the next row, still streaming, goes on with.
        let open_colon = s.trim_end().ends_with(':') && last_row_full;
        let done = closed || (ends_sentence(&s) && !open_colon);
        (s, done, newest)
    }));
    sentences
}

/// A key the terminal cut at a full row: glued back, it is hidden whole (its tail alone,
/// joined with a space, might be too short to look like one).
fn key_wrapped(above: &str, full: bool, text: &str) -> bool {
    let (Some(last), Some(first)) = (above.split_whitespace().last(), text.split_whitespace().next()) else {
        return false;
    };
    // Checked per row on every read: only a full row ending in a long token can hold one.
    full && last.len() + first.len() >= 20
        && matches!(crate::text::redact::redact(&format!("{last}{first}")), std::borrow::Cow::Owned(_))
}

/// A unit with its credentials hidden, found in its rows joined as they read: before it is
/// cut into sentences or cleaned (a key cut at a sentence end, or shortened as a path,
/// would escape). Rows stay apart, with their times, unless there was something to hide.
fn redacted(pieces: Vec<(String, Instant)>) -> Vec<(String, Instant)> {
    let joined: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
    match crate::text::redact::redact(&joined) {
        std::borrow::Cow::Borrowed(_) => pieces,
        std::borrow::Cow::Owned(hidden) => {
            let newest = pieces.iter().map(|p| p.1).max().unwrap_or_else(Instant::now);
            vec![(hidden, newest)]
        }
    }
}

/// A row ends where its next word would still have fitted: Claude Code wraps prose greedily
/// (at most as wide as the paragraph's widest row), so such a break is a line of code or a
/// listing. List items start rows of their own and are not breaks.
fn has_hard_break(para: &Para, rows: &[Row]) -> bool {
    // A resize reflowed these rows: their wrap width is not the paragraph's any more.
    if !para.reflowed.is_empty() {
        return false;
    }
    let widest = para.rows.iter().map(|&r| rows[r].text.trim_end().width()).max().unwrap_or(0);
    para.rows.windows(2).any(|w| {
        let next = rows[w[1]].text.trim();
        let next_word = next.split_whitespace().next().map_or(0, UnicodeWidthStr::width);
        w[1] == w[0] + 1
            && list_marker(next).is_none()
            && !is_table_row(next)
            // A table drawn right under its lead-in ends where it ends (2.0.x).
            && !is_table_row(rows[w[0]].text.trim())
            && rows[w[0]].text.trim_end().width() + 1 + next_word + HARD_BREAK_SLACK < widest
    })
}

fn is_markdown_rule(body: &str) -> bool {
    let mut marks = body.chars().filter(|c| !c.is_whitespace());
    let first = marks.next();
    matches!(first, Some('-' | '*' | '_')) && marks.clone().count() >= 2 && marks.all(|c| Some(c) == first)
}

fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c) == Some(2)
}

/// The terminal's width: the input box rules span it; else the widest row.
fn terminal_width(rows: &[Row]) -> usize {
    let rule = rows.iter().rev().find(|r| is_box_edge(r.text.trim_end()));
    match rule {
        Some(r) => r.text.trim_end().width(),
        None => rows.iter().map(|r| r.text.trim_end().width()).max().unwrap_or(0),
    }
}

/// Ends with sentence punctuation (closing quotes and brackets aside): no wrapped row can
/// add to it.
fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end().trim_end_matches(['"', '\'', ')', ']', '”', '’', '」', '』', '）', '*', '`']);
    t.ends_with(['.', '!', '?', ':', '。', '！', '？', '：'])
}

/// Index of the first row of the input box or a dialog (their top rule), or `rows.len()`.
fn chrome_start(rows: &[Row]) -> usize {
    let n = rows.len();
    let lo = n.saturating_sub(CHROME_SCAN);
    let mut start = n;
    let mut dialog_below = false;
    for i in (lo..n).rev() {
        let t = rows[i].text.trim_end();
        let body = t.trim_start();
        if body.contains("Do you want") || body.contains("Esc to cancel") || is_option(body) {
            dialog_below = true;
        }
        // The input line sits right under its rule (an echoed prompt looks the same).
        let input_below = rows.get(i + 1).is_some_and(|r| is_input_row(r.text));
        // Chrome ends upwards at a message or a prompt: a box above those is not part of it
        // (1.0.x's welcome banner, with a permission dialog 20 rows below).
        let apart = start < n
            && rows[i + 1..start].iter().any(|r| {
                let b = r.text.trim_start();
                b.starts_with(MARKERS) || echoed_prompt(b).is_some() && !is_option(b)
            });
        if is_box_edge(t) && (input_below || dialog_below) && !apart {
            start = i;
        }
    }
    start
}

/// The input line: `❯ ` (2.x), `> ` (1.0.x), or inside a rounded box.
fn is_input_row(t: &str) -> bool {
    let t = t.strip_prefix('│').map_or(t, str::trim_start);
    t.starts_with('❯') || t == ">" || t.starts_with("> ") || t.starts_with(">\u{a0}")
}

/// `⎿  Interrupted · What should Claude do instead?`, `∷ Interrupted by user`: one glyph,
/// then the interrupt's words (a sentence starting "Interrupted" has no glyph before it).
fn is_interrupt(body: &str) -> bool {
    let mut chars = body.chars();
    let glyph = chars.next().is_some_and(|c| !c.is_alphanumeric() && !matches!(c, '-' | '*' | '+' | '>' | '•'));
    let rest = chars.as_str().trim_start();
    glyph && rest.starts_with("Interrupted") && (rest.contains(" · ") || rest.contains("by user"))
}

/// `❯ 1. Yes` / `  2. No`: a dialog's options.
fn is_option(body: &str) -> bool {
    let b = body.trim_start_matches(['❯', '│', ' ']);
    let digits = b.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && b[digits..].starts_with(". ") && body.starts_with(['❯', '│'])
}

/// A rule from column 0 (the input box, a dialog), or a rounded box's top or bottom.
fn is_box_edge(t: &str) -> bool {
    let inner = t
        .strip_prefix('╭')
        .and_then(|r| r.strip_suffix('╮'))
        .or_else(|| t.strip_prefix('╰').and_then(|r| r.strip_suffix('╯')))
        .unwrap_or(t);
    inner.chars().count() >= 10 && inner.chars().all(|c| matches!(c, '─' | '━' | '═'))
}

/// The text of an echoed prompt row.
fn echoed_prompt(body: &str) -> Option<&str> {
    let rest = body.strip_prefix('❯').or_else(|| body.strip_prefix("> ")).or_else(|| body.strip_prefix(">\u{a0}"))?;
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

/// Status and key hints, whichever release draws them: `high · /effort`, `◐ medium`,
/// `← for agents`, `? for shortcuts`, `ctrl+o to expand`. Unsure rows stay silent: a missed
/// word is better than a status line read aloud.
fn is_chrome(body: &str) -> bool {
    let b = body.trim();
    // Block elements draw the logo (`▐▛███▜▌ Claude Code v2.1.200`); a quote's bar is one too.
    let logo = b.starts_with(|c: char| ('\u{2580}'..='\u{259f}').contains(&c) && !QUOTE_BARS.contains(&c));
    let glyph = b.starts_with([
        '◐', '◑', '◒', '◓', '←', '→', '↑', '↓', '⏵', '⏸', '⧉', '✓', '✗', '⚠', '✔', '◻', '◼', '☐', '☑', '☒', '□', '■',
    ]);
    // A task list's head: `3 tasks (1 done, 2 open)`.
    let digits = b.chars().take_while(char::is_ascii_digit).count();
    let tasks = digits > 0 && (b[digits..].starts_with(" tasks (") || b[digits..].starts_with(" task ("));
    let slash_status = b.contains(" · ")
        && b.split_whitespace()
            .any(|w| w.starts_with('/') && w.len() > 1 && w[1..].chars().all(|c| c.is_ascii_lowercase() || c == '-'));
    let hint = ["ctrl+", "shift+tab", "esc to ", "? for shortcuts", "for shortcuts"].iter().any(|h| b.contains(h));
    // A collapsed tool group carries a hint too (`Read 1 file (ctrl+o to expand)`).
    let tool = collapsed_group(b).is_some() || tool_call(b).is_some();
    logo || glyph || tasks || slash_status || (hint && !ends_sentence(b) && !tool)
}

/// `✻ Thinking… (esc to interrupt)` and the other frames while the agent works; footers
/// (`✻ Brewed for 3s`) are not busy.
fn is_spinner(body: &str) -> bool {
    let mut chars = body.chars();
    let glyph = matches!(chars.next(), Some('·' | '✢' | '✳' | '✶' | '✻' | '✽' | '*' | '∗' | '✦' | '✧'));
    glyph && chars.next() == Some(' ') && (body.contains('…') || body.contains("esc to interrupt"))
}

/// A message head that is a tool call: `Name(args)`, an MCP tool, a tool name drawn before
/// its arguments, a status about one, or a collapsed group.
fn tool_head(rest: &str) -> Option<ToolKind> {
    let name_len =
        rest.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))).unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_len);
    if rest.contains("(MCP)") || rest.contains("ctrl+o to expand") {
        return Some(ToolKind::of(name));
    }
    if name.is_empty() {
        return None;
    }
    let known = ToolKind::of(name) != ToolKind::Other || matches!(name, "Skill" | "SlashCommand" | "ExitPlanMode");
    if let Some(kind) = tool_call(rest) {
        return Some(kind);
    }
    if known && (after.starts_with(" \"") || after.starts_with(" (")) {
        return Some(ToolKind::of(name));
    }
    // A tool's name alone, drawn before its arguments.
    if after.is_empty() && known {
        return Some(ToolKind::of(name));
    }
    collapsed_group(rest)
}

/// `Name(args)`: a tool call, also when its blinking marker is off.
fn tool_call(text: &str) -> Option<ToolKind> {
    let name_len = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    let (name, after) = text.split_at(name_len);
    (name.starts_with(|c: char| c.is_ascii_uppercase()) && after.starts_with('(')).then(|| ToolKind::of(name))
}

/// `Read 1 file`, `Ran 2 shell commands`, `Running 1 shell command…`, `Listed 1 directory
/// (ctrl+o to expand)`: 2.x folds tool calls into such lines.
fn collapsed_group(text: &str) -> Option<ToolKind> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let kind = ToolKind::of(first);
    let verb = first.ends_with("ed") || first.ends_with("ing") || matches!(first, "Read" | "Ran" | "Wrote" | "Found");
    // A count right after the verb (`Read 2 files`, `Searched for 3 patterns`).
    let count = match words.next()? {
        "for" => words.next()?,
        w => w,
    };
    let counted = count.chars().all(|c| c.is_ascii_digit());
    (kind != ToolKind::Other && verb && counted && !text.trim_end().ends_with(['.', '!', '?', ':'])).then_some(kind)
}

/// Length of a list marker (`- `, `* `, `• `, `12. `, `a) `) at the start of `body`.
fn list_marker(body: &str) -> Option<usize> {
    for m in ["- ", "* ", "• ", "◦ ", "▪ "] {
        if body.starts_with(m) {
            return Some(m.len());
        }
    }
    if matches!(body, "-" | "*" | "•") {
        return Some(body.len());
    }
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        let rest = &body[digits..];
        if rest == "." || rest.starts_with(". ") || rest == ")" || rest.starts_with(") ") {
            return Some(digits + 1);
        }
    }
    None
}

fn is_table_row(body: &str) -> bool {
    body.starts_with(['│', '┌', '├', '└', '╭', '╰', '|', '╞', '╘', '╒', '┼'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_now(lines: &[&str]) -> Vec<Item> {
        let t0 = Instant::now() - Duration::from_secs(10);
        let rows: Vec<Row> = lines.iter().map(|text| Row { text, since: t0 }).collect();
        read(&rows, Ctx::Other, t0 + Duration::from_secs(5), Duration::from_millis(250)).items
    }

    fn sentences(items: &[Item]) -> Vec<&str> {
        items.iter().filter(|i| i.kind == ItemKind::Sentence).map(|i| i.text.as_str()).collect()
    }

    const RULE: &str = "────────────────────────────────────────────────────────────";
    const SCREEN: [&str; 25] = [
        "❯ What is the average?",
        "",
        "● I'll let awk add up the readings.",
        "",
        "  Read 1 file",
        "",
        "● Bash(awk '{ s += $2 }' temps.txt)",
        "  ⎿  17.9",
        "",
        "● The average over the seven days is 17.9 degrees, which is",
        "  mild for June.",
        "",
        "  1. The warmest day was June 4.",
        "  2. The coldest day was June 6, at",
        "     12 degrees.",
        "",
        "  def mean(xs):",
        "      return sum(xs) / len(xs)",
        "",
        "✻ Brewed for 2s · done 8:21 PM",
        "",
        RULE,
        "❯ next question typed",
        RULE,
        "  ? for shortcuts",
    ];

    /// A YAML block under its lead-in starts with bare keys (`db:`) that alone could be a
    /// one-word lead-in; the deeper rows of code under them show what they are.
    #[test]
    fn bare_keys_over_yaml_are_code_a_one_word_lead_in_is_not() {
        let screen = [
            "⏺ Give db a healthcheck and make web wait for it:",
            "    db:",
            "      healthcheck:",
            "        test: [\"CMD\", \"pg_isready\", \"-U\", \"postgres\"]",
            "        interval: 5s",
            "",
            "  Notes:",
            "  - pg_isready ships with the postgres image.",
            "",
            "✻ Pondering… (esc to interrupt)",
        ];
        assert_eq!(
            sentences(&read_now(&screen)),
            ["Give db a healthcheck and make web wait for it:", "Notes:", "pg_isready ships with the postgres image."]
        );
    }

    /// 2.1.6 leaves the wrapping to the terminal, which cuts anywhere: here after a number's
    /// point, so the next row starts like a numbered item (`00.`).
    #[test]
    fn a_row_the_terminal_cut_at_a_point_is_no_list_item() {
        let rule = "─".repeat(100);
        let screen = [
            "⏺ The extra money comes from the join with shipments. Order 1 went out in two parcels, so it appears",
            " twice in the joined rows and its 100.00 is added twice: that is why eu shows 250.00 instead of 150.",
            "00.",
            "  Checking for a shipment with EXISTS keeps the rule that only shipped orders count, without multipl",
            "ying rows:",
            "",
            &rule,
            "❯",
            &rule,
        ];
        assert_eq!(
            sentences(&read_now(&screen)),
            [
                "The extra money comes from the join with shipments.",
                "Order 1 went out in two parcels, so it appears twice in the joined rows and its 100.00 is added twice: that is why eu shows 250.00 instead of 150.00.",
                "Checking for a shipment with EXISTS keeps the rule that only shipped orders count, without multiplying rows:",
            ]
        );
    }

    #[test]
    fn prose_lists_and_wraps_are_sentences_tools_and_chrome_are_not() {
        let items = read_now(&SCREEN);
        assert_eq!(
            sentences(&items),
            [
                "I'll let awk add up the readings.",
                "The average over the seven days is 17.9 degrees, which is mild for June.",
                "The warmest day was June 4.",
                "The coldest day was June 6, at 12 degrees.",
            ]
        );
        let kinds: Vec<&ItemKind> = items.iter().map(|i| &i.kind).collect();
        assert_eq!(kinds[0], &ItemKind::Prompt);
        // Why each row was heard or not (`:SpeakJaAuto debug`).
        let t0 = Instant::now() - Duration::from_secs(10);
        let rows: Vec<Row> = SCREEN.iter().map(|text| Row { text, since: t0 }).collect();
        let why = read(&rows, Ctx::Other, t0 + Duration::from_secs(5), Duration::from_millis(250)).kinds;
        let of = |needle: &str| why[SCREEN.iter().position(|r| r.contains(needle)).unwrap()];
        assert_eq!(of("What is the average"), RowKind::Prompt);
        assert_eq!(of("Bash(awk"), RowKind::Tool);
        assert_eq!(of("⎿  17.9"), RowKind::Result);
        assert_eq!(of("mild for June"), RowKind::Prose);
        assert_eq!(of("def mean"), RowKind::Code);
        assert_eq!(of("Brewed"), RowKind::Outside);
        assert_eq!(of("next question typed"), RowKind::Live);
        assert!(kinds.contains(&&ItemKind::Tool(ToolKind::Command)));
        assert!(kinds.contains(&&ItemKind::Tool(ToolKind::Read)));
        assert!(items.iter().all(|i| i.ready));
    }

    #[test]
    fn a_streaming_line_that_may_continue_waits() {
        let t0 = Instant::now();
        let rows = [Row { text: "● The loop adds every number to", since: t0 }, Row { text: "✻ Whirring…", since: t0 }];
        let items = read(&rows, Ctx::Other, t0 + Duration::from_millis(600), Duration::from_millis(250)).items;
        assert_eq!(items.len(), 1);
        assert!(!items[0].ready, "cut at its wrap while the agent is busy");
        let items = read(&rows, Ctx::Other, t0 + IDLE_CLOSE * 3, Duration::from_millis(250)).items;
        assert!(!items[0].ready, "the spinner says more is coming");
        let items = read(&rows[..1], Ctx::Other, t0 + IDLE_CLOSE, Duration::from_millis(250)).items;
        assert!(items[0].ready, "long unchanged, nothing busy: complete");
        let items = read_now(&["● The loop adds every number.", "", "✻ Whirring…"]);
        assert!(items[0].ready, "a finished sentence need not wait");
    }

    #[test]
    fn tool_names_descriptions_and_dialogs_are_not_prose() {
        let rule = "─".repeat(60);
        let items = read_now(&[
            "● Bash",
            "",
            "● Running 1 shell command…",
            "",
            "● Average the temperatures",
            "  ⎿  $ awk '{ s += $2 }' temps.txt",
            "",
            "● Agent \"Find callers\" finished · 2s",
            &rule,
            " Bash command",
            " Average the temperatures",
            " Do you want to proceed?",
            " ❯ 1. Yes",
            "   2. No",
        ]);
        assert!(sentences(&items).is_empty(), "{items:?}");
    }

    /// 1.0.x: the welcome banner's box is still on screen above a permission dialog's box;
    /// the dialog starts at its own top edge, so the reason given above it is heard while the
    /// dialog waits for an answer.
    #[test]
    fn a_dialog_box_does_not_reach_up_to_the_banner() {
        let edge = |l: char, r: char| format!("{l}{}{r}", "─".repeat(50));
        let (top, bottom) = (edge('╭', '╮'), edge('╰', '╯'));
        let items = read_now(&[
            &top,
            "│ ✻ Welcome to Claude Code!                        │",
            &bottom,
            "",
            "> CI is red on main. Can you find out why?",
            "",
            "⏺ Let me run the test suite the way CI does.",
            "",
            "⏺ Bash(python3 -m unittest discover -s tests)",
            "  ⎿  Running…",
            "",
            &top,
            "│ Bash command                                     │",
            "│   python3 -m unittest discover -s tests          │",
            "│ Do you want to proceed?                          │",
            "│ ❯ 1. Yes                                         │",
            "│   2. No, and tell Claude what to do differently  │",
            &bottom,
        ]);
        assert_eq!(sentences(&items), ["Let me run the test suite the way CI does."]);
        assert!(items.iter().all(|i| i.ready), "{items:?}");
        assert!(items.iter().any(|i| i.kind == ItemKind::Prompt), "{items:?}");
    }

    /// 2.1.337 draws the interrupt at column 0 with `∷`, a blank row below the cut words;
    /// older releases draw `⎿  Interrupted` right under them. Either way they are not said.
    #[test]
    fn words_cut_by_an_interrupt_are_not_said_whatever_its_glyph() {
        for rows in [
            [
                "● With plain make the header is built first.",
                "",
                "  The order",
                "",
                "∷ Interrupted · What should Claude do instead?",
            ],
            [
                "● With plain make the header is built first.",
                "",
                "  The order",
                "  ⎿  Interrupted · What should Claude do instead?",
                "",
            ],
        ] {
            assert_eq!(sentences(&read_now(&rows)), ["With plain make the header is built first."], "{rows:?}");
        }
        let prose = read_now(&["● Interrupted builds leave gen/version.h half written.", ""]);
        assert_eq!(sentences(&prose), ["Interrupted builds leave gen/version.h half written."]);
    }

    #[test]
    fn japanese_rows_join_without_spaces() {
        let items = read_now(&["● 平均気温は十七度です。六月四日が最も暑い", "  日でした。"]);
        assert_eq!(sentences(&items), ["平均気温は十七度です。", "六月四日が最も暑い日でした。"]);
    }
}
