//! Spelling → katakana for words the table lacks, and the katakana endings of inflections.
//!
//! Rules, the last resort for what no list has: e2k's model, which reads spellings better,
//! takes milliseconds a word, too long for a sentence, so it is run ahead of time on package
//! names (`names.txt`); the alkana dictionary is GPL. English spelling is irregular, so these
//! rules aim at "said like a loanword", not at exactness; the built-in table covers the words
//! where they would be wrong.

/// How a consonant sounds; `L` and `R` differ only before a `yu` vowel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum C {
    K,
    G,
    S,
    Z,
    T,
    D,
    N,
    H,
    B,
    P,
    M,
    Y,
    R,
    L,
    W,
    F,
    J,
    Ch,
    Sh,
    Ts,
    Kw,
}

/// Vowels: short, long (ー), diphthongs, `yu` (ユー) and `ea` (エア).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum V {
    A,
    I,
    U,
    E,
    O,
    Aa,
    Ii,
    Uu,
    Ee,
    Oo,
    Ai,
    Ei,
    Oi,
    Au,
    Yu,
    Ea,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ph {
    C(C),
    V(V),
    /// A small ッ before the next consonant.
    Q,
}

/// Katakana for an unknown lowercase word.
pub fn katakana(word: &str) -> String {
    // -ify said ファイ: stringify, minify
    if let Some(stem) = word.strip_suffix("ify").filter(|s| s.len() >= 2) {
        return katakana(&format!("{stem}i")) + "ファイ";
    }
    render(&phonemes(word.as_bytes()))
}

/// Letter names, digits kept: `npm` → エヌピーエム.
pub fn spell(word: &str) -> String {
    const NAMES: [&str; 26] = [
        "エー",
        "ビー",
        "シー",
        "ディー",
        "イー",
        "エフ",
        "ジー",
        "エイチ",
        "アイ",
        "ジェイ",
        "ケー",
        "エル",
        "エム",
        "エヌ",
        "オー",
        "ピー",
        "キュー",
        "アール",
        "エス",
        "ティー",
        "ユー",
        "ブイ",
        "ダブリュー",
        "エックス",
        "ワイ",
        "ゼット",
    ];
    word.chars()
        .map(|c| match c.to_ascii_lowercase() {
            l @ 'a'..='z' => NAMES[(l as u8 - b'a') as usize].to_string(),
            d => d.to_string(),
        })
        .collect()
}

// ---- Inflections: the stem's katakana with its last mora changed. ----

/// Last morae and their i-column (`-ing`) and a-column (`-er`) forms.
const ENDINGS: &[(&str, &str, &str)] = &[
    ("シュ", "シ", "シャー"),
    ("ト", "ティ", "ター"),
    ("ド", "ディ", "ダー"),
    ("ク", "キ", "カー"),
    ("グ", "ギ", "ガー"),
    ("ス", "シ", "サー"),
    ("ズ", "ジ", "ザー"),
    ("ル", "リ", "ラー"),
    ("ム", "ミ", "マー"),
    ("ブ", "ビ", "バー"),
    ("プ", "ピ", "パー"),
    ("フ", "フィ", "ファー"),
    ("チ", "チ", "チャー"),
    ("ジ", "ジ", "ジャー"),
    ("ツ", "ツィ", "ツァー"),
    ("ン", "ニ", "ナー"),
];

/// The stem with its last mora swapped (column 1: i, 2: a); `doubled` keeps ン in
/// `running` → ランニング.
fn swap(stem: &str, column: usize, doubled: bool) -> String {
    for e in ENDINGS {
        if let Some(base) = stem.strip_suffix(e.0) {
            let form = if column == 1 { e.1 } else { e.2 };
            let keep = if doubled && e.0 == "ン" { "ン" } else { "" };
            return format!("{base}{keep}{form}");
        }
    }
    format!("{stem}{}", if column == 1 { "イ" } else { "アー" })
}

/// `load` → ローディング.
pub fn ing(stem: &str, doubled: bool) -> String {
    swap(stem, 1, doubled) + "ング"
}

/// `load` → ローダー.
pub fn agent(stem: &str, doubled: bool) -> String {
    swap(stem, 2, doubled)
}

/// `fail` → フェイルド, `fix` → フィックスト, `load` → ローデッド.
pub fn past(stem: &str) -> String {
    if let Some(b) = stem.strip_suffix('ト') {
        return format!("{b}テッド");
    }
    if let Some(b) = stem.strip_suffix('ド') {
        return format!("{b}デッド");
    }
    let voiceless = ["ク", "プ", "フ", "ス", "シュ", "チ"].iter().any(|e| stem.ends_with(e));
    format!("{stem}{}", if voiceless { "ト" } else { "ド" })
}

/// `test` → テスツ, `file` → ファイルズ, `class` → クラシズ.
pub fn plural(stem: &str) -> String {
    if let Some(b) = stem.strip_suffix('ト') {
        return format!("{b}ツ");
    }
    if let Some(b) = stem.strip_suffix('ド') {
        return format!("{b}ズ");
    }
    if ["ス", "シュ", "チ", "ジ", "ズ"].iter().any(|e| stem.ends_with(e)) {
        return swap(stem, 1, false) + "ズ";
    }
    let voiceless = ["ク", "プ", "フ"].iter().any(|e| stem.ends_with(e));
    format!("{stem}{}", if voiceless { "ス" } else { "ズ" })
}

// ---- Spelling → phonemes ----

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Reads one word's letters left to right; `at(i)` is 0 past the end.
struct Word<'a> {
    w: &'a [u8],
    out: Vec<Ph>,
}

impl Word<'_> {
    fn at(&self, i: usize) -> u8 {
        self.w.get(i).copied().unwrap_or(0)
    }

    fn has(&self, i: usize, s: &str) -> bool {
        self.w.get(i..i + s.len()) == Some(s.as_bytes())
    }

    /// `y` is a vowel unless it starts the word or a vowel follows it.
    fn vowel_at(&self, i: usize) -> bool {
        let b = self.at(i);
        is_vowel(b) || (b == b'y' && i > 0 && !is_vowel(self.at(i + 1)))
    }

    fn vowels_before(&self, i: usize) -> bool {
        (0..i).any(|j| self.vowel_at(j))
    }

    fn vowels_after(&self, i: usize) -> bool {
        (i..self.w.len()).any(|j| self.vowel_at(j) && !self.silent_e(j))
    }

    /// A final `e` after a consonant in a word that has another vowel.
    fn silent_e(&self, i: usize) -> bool {
        self.at(i) == b'e'
            && i + 1 == self.w.len()
            && i > 0
            && !self.vowel_at(i - 1)
            && (0..i).any(|j| self.vowel_at(j))
    }

    /// Letters of the consonant sound at `i` when it is a single one (th, sh, ch, ph count
    /// as one), else None.
    fn single_consonant(&self, i: usize) -> Option<usize> {
        let b = self.at(i);
        if b == 0 || self.vowel_at(i) || b == b'x' || b == b'y' {
            return None;
        }
        let len = if ["th", "sh", "ch", "ph"].iter().any(|d| self.has(i, d)) { 2 } else { 1 };
        (len == 2 || self.at(i + 1) != b).then_some(len)
    }

    /// Vowel at `i`, one consonant, then an `e` that ends the word or comes before a final
    /// s/d/r/n (`name`, `names`, `timer`, `open`) or `Cle` (`table`): the long sound.
    fn magic(&self, i: usize) -> bool {
        let Some(len) = self.single_consonant(i + 1) else {
            return false;
        };
        let e = i + 1 + len;
        let tail = &self.w[(e + 1).min(self.w.len())..];
        let ends = self.at(e) == b'e' && matches!(tail, [] | [b's' | b'd' | b'r' | b'n']);
        let cle = self.at(e) == b'l' && self.at(e + 1) == b'e' && e + 2 == self.w.len();
        ends || (cle && !self.vowels_before(i))
    }

    /// The vowel at `i` and how many letters it takes.
    fn vowel(&self, i: usize) -> (V, usize) {
        if let Some(v) = self.r_colored(i) {
            return v;
        }
        if let Some(v) = self.digraph(i) {
            return v;
        }
        (self.single_vowel(i), 1)
    }

    /// `ar`, `er`, `ir`, `or`, `ur`, `ear`, `air` before a consonant or the end.
    fn r_colored(&self, i: usize) -> Option<(V, usize)> {
        let (two, len) = match (self.at(i), self.at(i + 1)) {
            (b'e', b'a') | (b'a', b'i') | (b'o', b'u') => (true, 2),
            _ => (false, 1),
        };
        let r = i + len;
        let after = self.at(r + 1);
        if self.at(r) != b'r' || after == b'r' || self.vowel_at(r + 1) {
            return None;
        }
        let v = match (self.at(i), two) {
            (b'a', true) => V::Ea,
            (b'o', true) => V::Oo,
            (b'a', false) if i > 0 && self.at(i - 1) == b'w' => V::Oo,
            (b'a', false) => V::Aa,
            (b'o', false) if i > 0 && self.at(i - 1) == b'w' => V::Aa,
            (b'o', false) if after == 0 && self.vowels_before(i) => V::Aa,
            (b'o', false) => V::Oo,
            _ => V::Aa,
        };
        Some((v, len + 1))
    }

    fn digraph(&self, i: usize) -> Option<(V, usize)> {
        let end = |n: usize| i + n == self.w.len();
        let pair = [self.at(i), self.at(i + 1)];
        let v = match &pair {
            b"ig" if self.at(i + 2) == b'h' => return Some((V::Ai, 3)),
            b"ei" if self.has(i + 2, "gh") => return Some((V::Ei, 4)),
            b"ee" => V::Ii,
            b"ea" if self.at(i + 2) == b'd' => V::E, // dead, thread, ready
            b"ea" => V::Ii,
            b"oo" if self.at(i + 2) == b'k' => V::U,
            b"oo" => V::Uu,
            b"ou" if self.has(i + 2, "s") && end(3) => V::A, // previous
            b"ou" => V::Au,
            b"ow" if end(2) => V::Oo,
            b"ow" => V::Au,
            b"ai" | b"ay" => V::Ei,
            b"ei" => V::Ei,
            b"ey" if end(2) => V::Ii,
            b"ey" => V::Ei,
            b"oi" | b"oy" => V::Oi,
            b"au" | b"aw" | b"oa" => V::Oo,
            b"ue" | b"ew" | b"eu" => V::Yu,
            b"ui" if i > 0 && matches!(self.at(i - 1), b'b' | b'g') => V::I,
            b"ui" => V::Uu,
            b"ie" if end(2) => V::Ii,
            _ => return None,
        };
        Some((v, 2))
    }

    fn single_vowel(&self, i: usize) -> V {
        let b = self.at(i);
        let last = i + 1 == self.w.len();
        let only = !self.vowels_before(i) && !self.vowels_after(i + 1);
        let magic = self.magic(i);
        match b {
            b'a' if (self.has(i + 1, "ll") || self.has(i + 1, "lk")) && !self.vowel_at(i + 3) => V::Oo,
            b'a' if self.has(i + 1, "tor") && i + 4 == self.w.len() => V::Ee, // iterator
            b'a' if self.has(i + 1, "tion") || magic => V::Ee,
            b'a' => V::A,
            b'e' if magic || (last && only) => V::Ii,
            b'e' => V::E,
            b'i' if self.has(i + 1, "ve") && i + 3 == self.w.len() && !only => V::I,
            b'i' if magic || (last && only) => V::Ai,
            b'i' if self.has(i + 1, "nd") || self.has(i + 1, "ld") => V::Ai,
            b'i' => V::I,
            b'o' if magic || (last && only) || self.has(i + 1, "ld") => V::Oo,
            b'o' => V::O,
            b'u' if i > 0 && b"pbf".contains(&self.at(i - 1)) && self.has(i + 1, "ll") => V::U,
            b'u' if i > 0 && b"pbf".contains(&self.at(i - 1)) && self.has(i + 1, "sh") => V::U,
            b'u' if magic || last || self.single_consonant(i + 1).is_some_and(|n| self.vowel_at(i + 1 + n)) => V::Yu,
            b'u' => V::A,
            // y as a vowel
            _ if last && only => V::Ai,
            _ if last => V::Ii,
            _ if magic || self.single_consonant(i + 1).is_some_and(|n| self.vowel_at(i + 1 + n)) => V::Ai,
            _ => V::I,
        }
    }

    /// A short vowel just before: a final or doubled consonant then takes a ッ.
    fn after_short_vowel(&self) -> bool {
        matches!(self.out.last(), Some(Ph::V(V::A | V::I | V::U | V::E | V::O)))
    }

    /// The consonant at `i`: what it sounds like and how many letters it takes.
    fn consonant(&mut self, i: usize) -> usize {
        let end = self.w.len();
        let next = self.at(i + 1);
        let final_at = |n: usize| i + n == end;
        let push = |s: &mut Self, c: C| s.out.push(Ph::C(c));
        // Clusters spelled with several letters.
        for (spell, sound) in [("tch", C::Ch), ("sch", C::S), ("ture", C::Ch), ("sion", C::Sh)] {
            if self.has(i, spell) {
                return self.cluster(i, spell, sound);
            }
        }
        if self.has(i, "tion") && i > 0 && self.at(i - 1) == b's' {
            push(self, C::Ch); // question
            return 2;
        }
        if self.has(i, "tion") || (self.has(i, "ci") && matches!(self.at(i + 2), b'a' | b'o')) {
            push(self, C::Sh);
            return 2;
        }
        if self.has(i, "dge") {
            self.out.extend([Ph::Q, Ph::C(C::J)]);
            return 2;
        }
        let two = [self.at(i), next];
        let digraph = match &two {
            b"th" => Some(C::S),
            b"sh" => Some(C::Sh),
            b"ch" => Some(C::Ch),
            b"ph" => Some(C::F),
            b"wh" => Some(C::W),
            b"ts" => Some(C::Ts),
            b"qu" => Some(C::Kw),
            b"kn" | b"gn" if i == 0 => Some(C::N),
            b"wr" if i == 0 => Some(C::R),
            b"ps" if i == 0 => Some(C::S),
            _ => None,
        };
        if let Some(c) = digraph {
            if c == C::Sh || c == C::Ch {
                self.geminate_if_final(i + 2);
            }
            push(self, c);
            return 2;
        }
        if two == *b"ck" {
            if !self.has(i + 2, "et") {
                self.out.push(Ph::Q);
            }
            push(self, C::K);
            return 2;
        }
        if two == *b"gh" {
            return 2; // silent after a vowel (igh, eigh are vowels already)
        }
        if two == *b"mb" && final_at(2) {
            push(self, C::M);
            return 2;
        }
        let b = self.at(i);
        if self.has(i, "ssion") {
            self.out.extend([Ph::Q, Ph::C(C::Sh)]);
            return 3;
        }
        if next == b {
            // Doubled letter: one sound, a ッ for the stops and fricatives between vowels.
            if b"tpkcsfdgb".contains(&b) && self.after_short_vowel() && self.vowel_at(i + 2) {
                self.out.push(Ph::Q);
            }
            push(self, self.letter(i + 1));
            return 2;
        }
        if b == b'x' {
            if i == 0 {
                push(self, C::Z);
            } else {
                self.geminate_if_final(i + 1);
                self.out.extend([Ph::C(C::K), Ph::C(C::S)]);
            }
            return 1;
        }
        if b"tkpd".contains(&b) || (b == b'c' && self.letter(i) == C::K) {
            self.geminate_if_final(i + 1);
        }
        // t, p, d closing a syllable before another consonant (`deadline`, `network`).
        let keeps = match b {
            b't' => "hlrsyjvmnz",
            b'p' => "hlrsyjvmnzt",
            _ => "hrsyjvmnz",
        };
        let closes = next != 0 && !self.vowel_at(i + 1) && !keeps.as_bytes().contains(&next);
        if b"tpd".contains(&b) && closes && self.after_short_vowel() {
            self.out.push(Ph::Q);
        }
        push(self, self.letter(i));
        1
    }

    /// A ッ when the consonant ending at `end` closes the word after a short vowel.
    fn geminate_if_final(&mut self, end: usize) {
        if end == self.w.len() && self.after_short_vowel() {
            self.out.push(Ph::Q);
        }
    }

    /// `tch` → ッチ, `sch` → スク, `ture` → チャー, `sion` → ション/ジョン.
    fn cluster(&mut self, i: usize, spell: &str, sound: C) -> usize {
        match spell {
            "tch" => {
                self.out.extend([Ph::Q, Ph::C(sound)]);
                3
            }
            "sch" => {
                self.out.extend([Ph::C(C::S), Ph::C(C::K)]);
                3
            }
            "ture" => {
                self.out.extend([Ph::C(sound), Ph::V(V::Aa)]);
                4
            }
            _ => {
                let voiced = i > 0 && (self.vowel_at(i - 1) || self.at(i - 1) == b'r');
                self.out.push(Ph::C(if voiced { C::J } else { sound }));
                2
            }
        }
    }

    /// One letter's consonant, with soft c/g and s voiced between vowels.
    fn letter(&self, i: usize) -> C {
        let next = self.at(i + 1);
        let soft = matches!(next, b'e' | b'i' | b'y');
        match self.at(i) {
            b'c' if soft => C::S,
            b'c' | b'k' | b'q' => C::K,
            b'g' if (next == b'e' && i + 2 == self.w.len()) || (next == b'y' && i + 2 == self.w.len()) => C::J,
            b'g' if soft && b"ncsm".contains(&self.at(i + 2)) => C::J, // generic, register
            b'g' => C::G,
            b's' if i > 0 && self.vowel_at(i - 1) && self.vowel_at(i + 1) && !self.silent_e(i + 1) => C::Z,
            b's' => C::S,
            b'z' => C::Z,
            b't' => C::T,
            b'd' if self.has(i + 1, "ule") => C::J, // module, schedule
            b'd' => C::D,
            b'n' => C::N,
            b'h' => C::H,
            b'b' | b'v' => C::B,
            b'p' => C::P,
            b'm' => C::M,
            b'y' => C::Y,
            b'r' => C::R,
            b'l' => C::L,
            b'w' => C::W,
            b'f' => C::F,
            _ => C::J, // j
        }
    }
}

fn phonemes(w: &[u8]) -> Vec<Ph> {
    let mut word = Word { w, out: Vec::new() };
    let mut i = 0;
    while i < w.len() {
        if word.silent_e(i) {
            i += 1;
        } else if word.vowel_at(i) {
            let (v, len) = word.vowel(i);
            word.out.push(Ph::V(v));
            i += len;
        } else {
            i += word.consonant(i);
        }
    }
    word.out
}

// ---- Phonemes → katakana ----

/// The a-i-u-e-o row of a consonant (None: the vowels themselves).
fn row(c: Option<C>) -> [&'static str; 5] {
    match c {
        None => ["ア", "イ", "ウ", "エ", "オ"],
        Some(C::K) => ["カ", "キ", "ク", "ケ", "コ"],
        Some(C::G) => ["ガ", "ギ", "グ", "ゲ", "ゴ"],
        Some(C::S) => ["サ", "シ", "ス", "セ", "ソ"],
        Some(C::Z) => ["ザ", "ジ", "ズ", "ゼ", "ゾ"],
        Some(C::T) => ["タ", "ティ", "トゥ", "テ", "ト"],
        Some(C::D) => ["ダ", "ディ", "ドゥ", "デ", "ド"],
        Some(C::N) => ["ナ", "ニ", "ヌ", "ネ", "ノ"],
        Some(C::H) => ["ハ", "ヒ", "フ", "ヘ", "ホ"],
        Some(C::B) => ["バ", "ビ", "ブ", "ベ", "ボ"],
        Some(C::P) => ["パ", "ピ", "プ", "ペ", "ポ"],
        Some(C::M) => ["マ", "ミ", "ム", "メ", "モ"],
        Some(C::Y) => ["ヤ", "イ", "ユ", "イエ", "ヨ"],
        Some(C::R | C::L) => ["ラ", "リ", "ル", "レ", "ロ"],
        Some(C::W) => ["ワ", "ウィ", "ウ", "ウェ", "ウォ"],
        Some(C::F) => ["ファ", "フィ", "フ", "フェ", "フォ"],
        Some(C::J) => ["ジャ", "ジ", "ジュ", "ジェ", "ジョ"],
        Some(C::Ch) => ["チャ", "チ", "チュ", "チェ", "チョ"],
        Some(C::Sh) => ["シャ", "シ", "シュ", "シェ", "ショ"],
        Some(C::Ts) => ["ツァ", "ツィ", "ツ", "ツェ", "ツォ"],
        Some(C::Kw) => ["クア", "クイ", "クウ", "クエ", "クオ"],
    }
}

/// A consonant with no vowel after it.
fn bare(c: C) -> &'static str {
    match c {
        C::T => "ト",
        C::D => "ド",
        C::N => "ン",
        C::H => "",
        C::Y => "イ",
        C::Ch => "チ",
        C::J => "ジ",
        C::Kw => "ク",
        c => row(Some(c))[2],
    }
}

fn syllable(c: Option<C>, v: V) -> String {
    let r = row(c);
    match v {
        V::A => r[0].into(),
        V::I => r[1].into(),
        V::U => r[2].into(),
        V::E => r[3].into(),
        V::O => r[4].into(),
        V::Aa => format!("{}ー", r[0]),
        V::Ii => format!("{}ー", r[1]),
        V::Uu => format!("{}ー", r[2]),
        V::Ee => format!("{}ー", r[3]),
        V::Oo => format!("{}ー", r[4]),
        V::Ai => format!("{}イ", r[0]),
        V::Ei => format!("{}イ", r[3]),
        V::Oi => format!("{}イ", r[4]),
        V::Au => format!("{}ウ", r[0]),
        V::Ea => format!("{}ア", r[3]),
        V::Yu => yu(c),
    }
}

/// ユー after a consonant: キュー, ニュー, but スー, ルー, ジュー.
fn yu(c: Option<C>) -> String {
    match c {
        None => "ユー".into(),
        Some(C::S | C::Z | C::R | C::J | C::Ch | C::Sh | C::Y | C::Ts | C::W) => {
            format!("{}ー", row(c)[2])
        }
        Some(C::T) => "テュー".into(),
        Some(C::D) => "デュー".into(),
        Some(C::F) => "フュー".into(),
        Some(C::Kw) => "キュー".into(),
        Some(c) => format!("{}ュー", row(Some(c))[1]),
    }
}

fn render(ph: &[Ph]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < ph.len() {
        match (ph[i], ph.get(i + 1)) {
            (Ph::Q, _) => out.push('ッ'),
            (Ph::C(c), Some(&Ph::V(v))) => {
                out += &syllable(Some(c), v);
                i += 1;
            }
            // m before b/p is ン (number → ナンバー).
            (Ph::C(C::M), Some(Ph::C(C::B | C::P))) => out.push('ン'),
            (Ph::C(c), _) => out += bare(c),
            (Ph::V(v), _) => out += &syllable(None, v),
        }
        i += 1;
    }
    // A ッ must stand before a consonant sound, never at the end.
    out.trim_end_matches('ッ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loanword_spellings() {
        for (w, k) in [
            ("name", "ネーム"),
            ("file", "ファイル"),
            ("code", "コード"),
            ("stop", "ストップ"),
            ("run", "ラン"),
            ("function", "ファンクション"),
            ("string", "ストリング"),
            ("server", "サーバー"),
            ("port", "ポート"),
            ("error", "エラー"),
            ("user", "ユーザー"),
            ("fetch", "フェッチ"),
            ("message", "メッセージ"),
            ("table", "テーブル"),
            ("download", "ダウンロード"),
            ("python", "パイソン"),
            ("system", "システム"),
            ("deadbeef", "デッドビーフ"),
            ("picture", "ピクチャー"),
            ("version", "バージョン"),
            ("number", "ナンバー"),
        ] {
            assert_eq!(katakana(w), k, "{w}");
        }
    }

    #[test]
    fn inflections_change_the_last_mora() {
        assert_eq!(ing("ロード", false), "ローディング");
        assert_eq!(ing("ラン", true), "ランニング");
        assert_eq!(agent("パース", false), "パーサー");
        assert_eq!(past("フィックス"), "フィックスト");
        assert_eq!(past("ロード"), "ローデッド");
        assert_eq!(plural("テスト"), "テスツ");
        assert_eq!(plural("ファイル"), "ファイルズ");
    }

    #[test]
    fn spells_letters() {
        assert_eq!(spell("npm"), "エヌピーエム");
        assert_eq!(spell("CPU2"), "シーピーユー2");
    }
}
