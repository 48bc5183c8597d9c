//! What users see: a float with the Japanese being spoken, and the history buffer.
//! Windows are opened through `nvim_open_win` as a plain function call, so no window
//! config struct crosses the FFI boundary (its layout differs between Neovim versions).

use std::cell::RefCell;

use nvim_oxi::api::{self, Buffer, Window};
use nvim_oxi::{Array, Dictionary, Object};
use unicode_width::UnicodeWidthChar;

use crate::history::Entry;

/// Widest float, in cells.
const FLOAT_WIDTH: usize = 50;

/// The windows and buffers the plugin shows, owned here and not in the plugin state: they
/// change only in actions, which run once that state is released.
struct Ui {
    /// The float and the utterance it shows.
    float: Option<(u64, Window)>,
    history_buf: Option<Buffer>,
}

thread_local! {
    static UI: RefCell<Ui> = const { RefCell::new(Ui { float: None, history_buf: None }) };
}

/// Break `text` into lines of at most `width` cells (Japanese has no spaces to break at).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut cells = 0;
    for ch in text.chars().filter(|c| !c.is_control()) {
        let w = ch.width().unwrap_or(0);
        if cells + w > width {
            lines.push(String::new());
            cells = 0;
        }
        if let Some(l) = lines.last_mut() {
            l.push(ch);
        }
        cells += w;
    }
    lines
}

/// Show the sentence `id` being spoken near the cursor.
pub fn show_float(id: u64, text: &str) -> nvim_oxi::Result<()> {
    close_float(None);
    let lines = wrap(text, FLOAT_WIDTH);
    let width = lines.iter().map(|l| l.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>()).max().unwrap_or(1);
    let mut buf = api::create_buf(false, true)?;
    // Scratch buffers default to `bufhidden=hide`: one would pile up per sentence.
    api::set_option_value("bufhidden", "wipe", &api::opts::OptionOpts::builder().buffer(buf.clone()).build())?;
    buf.set_lines(.., false, lines.iter().map(String::as_str))?;
    let cfg = Dictionary::from_iter([
        ("relative", Object::from("cursor")),
        ("row", Object::from(1)),
        ("col", Object::from(0)),
        ("width", Object::from(width.max(1) as i64)),
        ("height", Object::from(lines.len() as i64)),
        ("style", Object::from("minimal")),
        ("border", Object::from("rounded")),
        ("focusable", Object::from(false)),
        ("noautocmd", Object::from(true)),
        ("zindex", Object::from(60)),
    ]);
    let win: i64 =
        api::call_function("nvim_open_win", Array::from_iter([Object::from(buf), false.into(), cfg.into()]))?;
    UI.with(|u| u.borrow_mut().float = Some((id, Window::from(win as i32))));
    Ok(())
}

/// Close the float (only if it shows `id`, when given).
pub fn close_float(id: Option<u64>) {
    let win = UI.with(|u| {
        let f = &mut u.borrow_mut().float;
        match *f {
            Some((shown, _)) if id.is_none_or(|id| id == shown) => f.take().map(|(_, w)| w),
            _ => None,
        }
    });
    if let Some(w) = win.filter(Window::is_valid) {
        let _ = w.close(true);
    }
}

/// One line per entry: status, source → spoken text, engines and timings.
fn history_line(e: &Entry) -> String {
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}"));
    let engines = [e.translator.as_deref(), e.tts.as_deref()].into_iter().flatten().collect::<Vec<_>>().join("/");
    let status = format!("{:?}", e.status).to_lowercase();
    let mut line = format!(
        "[{status}] {} → {}  ({}; translate {} ms, synth {} ms, first sound {} ms)",
        e.source,
        e.text.as_deref().unwrap_or("…"),
        engines,
        ms(e.timings_ms.translate),
        ms(e.timings_ms.synthesize),
        ms(e.timings_ms.first_sound),
    );
    // What the voice was given, when the readings changed it.
    if let Some(spoken) = e.spoken.as_deref().filter(|s| Some(*s) != e.text.as_deref()) {
        line.push_str(&format!("  ♪ {spoken}"));
    }
    if let Some(err) = &e.error {
        line.push_str(&format!("  ! {err}"));
    }
    line.replace('\n', " ")
}

/// Fill the history buffer; `b:speakja_ids` maps its lines to entry ids.
fn render(buf: &mut Buffer, entries: &[&Entry]) -> nvim_oxi::Result<()> {
    let lines: Vec<String> = entries.iter().map(|e| history_line(e)).collect();
    let ids = Array::from_iter(entries.iter().map(|e| Object::from(e.id as i64)));
    let opts = api::opts::OptionOpts::builder().buffer(buf.clone()).build();
    api::set_option_value("modifiable", true, &opts)?;
    buf.set_lines(.., false, lines.iter().map(String::as_str))?;
    api::set_option_value("modifiable", false, &opts)?;
    buf.set_var("speakja_ids", ids)?;
    Ok(())
}

/// `:SpeakJaHistory`: open the history buffer, or focus its window.
pub fn open_history(entries: &[&Entry]) -> nvim_oxi::Result<()> {
    let existing = UI.with(|u| u.borrow().history_buf.clone()).filter(Buffer::is_valid);
    let mut buf = match existing {
        Some(b) => b,
        None => {
            let mut b = api::create_buf(false, true)?;
            b.set_name("speakja://history")?;
            let opts = api::opts::OptionOpts::builder().buffer(b.clone()).build();
            api::set_option_value("filetype", "speakjahistory", &opts)?;
            api::set_option_value("bufhidden", "hide", &opts)?;
            // Command mappings: no Lua callback has to cross the FFI boundary. `q` closes
            // the window, or leaves the buffer when it is the last window.
            let keymap = api::opts::SetKeymapOpts::builder().noremap(true).silent(true).build();
            for (key, rhs) in [
                ("<CR>", "<Cmd>lua require('speakja')._history_action('replay')<CR>"),
                ("y", "<Cmd>lua require('speakja')._history_action('yank')<CR>"),
                ("q", "<Cmd>if winnr('$') > 1 | close | elseif buflisted(bufnr('#')) | buffer # | else | enew | endif<CR>"),
            ] {
                b.set_keymap(api::types::Mode::Normal, key, rhs, &keymap)?;
            }
            UI.with(|u| u.borrow_mut().history_buf = Some(b.clone()));
            b
        }
    };
    render(&mut buf, entries)?;
    let win: i64 = api::call_function("bufwinid", Array::from_iter([Object::from(buf.clone())]))?;
    if win < 0 {
        api::command("botright 12split")?;
        api::get_current_win().set_buf(&buf)?;
    } else {
        api::set_current_win(&Window::from(win as i32))?;
    }
    Ok(())
}

/// Re-render the history buffer if it is open (after entries change).
pub fn refresh_history(entries: &[&Entry]) {
    if let Some(mut buf) = UI.with(|u| u.borrow().history_buf.clone()).filter(Buffer::is_valid) {
        let _ = render(&mut buf, entries);
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_by_display_width() {
        let lines = wrap("こんにちは世界", 6);
        assert_eq!(lines, vec!["こんに", "ちは世", "界"]);
        assert_eq!(wrap("ab\ncd", 10), vec!["abcd"]);
    }
}
