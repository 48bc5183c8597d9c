//! Greedy and beam search decoding, step for step as HF `generate` does it for NLLB:
//! start from `decoder_start_token_id`, force the target language at step 1, stop at EOS
//! or the length limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use candle_core::{Device, Result, Tensor, D};

use super::gemv::Kernels;
use super::model::{Columns, DecoderState, Model};

/// Decoding settings; lengths count the forced language token like HF `max_new_tokens`.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// 1 = greedy.
    pub beams: usize,
    pub max_new_tokens: usize,
    /// EOS is banned until this many tokens exist (HF `min_new_tokens`).
    pub min_new_tokens: usize,
    /// 0 = off.
    pub no_repeat_ngram_size: usize,
    pub length_penalty: f32,
    /// HF `early_stopping=True`: stop a sentence once `beams` hypotheses are finished.
    pub early_stopping: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            beams: 1,
            max_new_tokens: 200,
            min_new_tokens: 0,
            no_repeat_ngram_size: 0,
            length_penalty: 1.0,
            early_stopping: false,
        }
    }
}

/// Special ids the search needs.
#[derive(Debug, Clone, Copy)]
pub struct Tokens {
    pub start: u32,
    pub eos: u32,
    pub pad: u32,
    pub forced_eos: Option<u32>,
}

/// HF's stand-in for "impossible" in beam bookkeeping; kept identical so ties resolve alike.
const NEG: f32 = -1.0e9;

/// Translate a batch of encoded sentences (`encoded: [b, s, d]`, `mask` from
/// [`Model::source_mask`]). Only the tokens of `columns` are scored; it must hold the target
/// language and the special tokens. `stop` is asked before every step: true abandons the
/// batch (`None`), so a stop never waits for a long sentence to finish. Returns, per
/// sentence, the ids from the forced language code on (the decoder start token is not
/// included; EOS is, when it was produced).
#[allow(clippy::too_many_arguments)]
pub fn generate(
    model: &Model,
    encoded: &Tensor,
    mask: Option<&Tensor>,
    tgt_lang: u32,
    tokens: Tokens,
    columns: Columns,
    opts: &GenerateOptions,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Vec<u32>>>> {
    let max_new = opts.max_new_tokens.min(model.max_positions());
    let proc = Processors { tgt_lang, tokens, columns, opts, max_length: max_new + 1, stop };
    if opts.beams <= 1 {
        greedy(model, encoded, mask, &proc)
    } else {
        beam_search(model, encoded, mask, &proc)
    }
}

/// HF logits processors, applied to one hypothesis' scores.
struct Processors<'a> {
    tgt_lang: u32,
    tokens: Tokens,
    columns: Columns<'a>,
    opts: &'a GenerateOptions,
    /// Longest sequence including the decoder start token.
    max_length: usize,
    stop: &'a (dyn Fn() -> bool + Sync),
}

/// What the processors make of one hypothesis' next token, known without its scores.
#[derive(Debug, PartialEq)]
enum Rule {
    /// Only this token may follow (the target language, or EOS at the length limit).
    Forced(u32),
    /// These tokens may not follow (EOS before `min_new_tokens`, repeated n-grams).
    Banned(Vec<u32>),
    Free,
}

impl Processors<'_> {
    /// `seq`: the hypothesis so far, decoder start included.
    fn rule(&self, seq: &[u32]) -> Rule {
        let cur_len = seq.len();
        if cur_len == 1 {
            return Rule::Forced(self.tgt_lang);
        }
        if let Some(eos) = self.tokens.forced_eos {
            if cur_len == self.max_length - 1 {
                return Rule::Forced(eos);
            }
        }
        let mut banned = banned_ngram_tokens(seq, self.opts.no_repeat_ngram_size);
        if cur_len - 1 < self.opts.min_new_tokens {
            banned.push(self.tokens.eos);
        }
        if banned.is_empty() {
            Rule::Free
        } else {
            Rule::Banned(banned)
        }
    }

    /// Applies [`Self::rule`] to one hypothesis' scores (one per column).
    fn apply(&self, seq: &[u32], scores: &mut [f32]) {
        match self.rule(seq) {
            Rule::Forced(id) => {
                scores.fill(f32::NEG_INFINITY);
                if let Some(col) = self.columns.col(id) {
                    scores[col] = 0.0;
                }
            }
            Rule::Banned(banned) => self.ban(&banned, scores),
            Rule::Free => {}
        }
    }

    fn ban(&self, banned: &[u32], scores: &mut [f32]) {
        banned.iter().filter_map(|&t| self.columns.col(t)).for_each(|c| scores[c] = f32::NEG_INFINITY);
    }
}

/// Tokens that would repeat an n-gram already in `seq` (HF `NoRepeatNGramLogitsProcessor`).
fn banned_ngram_tokens(seq: &[u32], n: usize) -> Vec<u32> {
    if n == 0 || seq.len() < n {
        return Vec::new();
    }
    let prefix = &seq[seq.len() + 1 - n..];
    seq.windows(n).filter(|w| &w[..n - 1] == prefix).map(|w| w[n - 1]).collect()
}

/// First index of the largest value, like `torch.argmax`.
fn argmax(xs: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best as u32
}

fn log_softmax(xs: &mut [f32]) {
    let max = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = xs.iter().map(|&x| (x - max).exp()).sum();
    let shift = max + sum.ln();
    xs.iter_mut().for_each(|x| *x -= shift);
}

fn step_logits(model: &Model, feed: &[u32], state: &mut DecoderState, p: &Processors) -> Result<Vec<Vec<f32>>> {
    model.decode_step(feed, state, p.columns)?.to_vec2::<f32>()
}

/// Greedy search with the argmax taken where the logits are (on a GPU, one id per row comes
/// back instead of 256k scores). A row's full scores are read only when a ban hits its
/// argmax; forced tokens read nothing.
fn greedy(model: &Model, encoded: &Tensor, mask: Option<&Tensor>, p: &Processors) -> Result<Option<Vec<Vec<u32>>>> {
    let b = encoded.dim(0)?;
    let mut state = model.start_decoder(encoded, mask, 1)?;
    let mut seqs = vec![vec![p.tokens.start]; b];
    let mut done = vec![false; b];
    while seqs[0].len() < p.max_length && done.iter().any(|d| !d) {
        if (p.stop)() {
            return Ok(None);
        }
        // Finished rows are fed pad, as HF does; their output is ignored.
        let feed: Vec<u32> =
            seqs.iter().zip(&done).map(|(s, &d)| if d { p.tokens.pad } else { s[s.len() - 1] }).collect();
        let logits = model.decode_step(&feed, &mut state, p.columns)?;
        let rules: Vec<Option<Rule>> = seqs.iter().zip(&done).map(|(s, &d)| (!d).then(|| p.rule(s))).collect();
        let best = if rules.iter().flatten().any(|r| !matches!(r, Rule::Forced(_))) {
            logits.argmax(D::Minus1)?.to_vec1::<u32>()?.into_iter().map(|c| p.columns.id(c as usize)).collect()
        } else {
            Vec::new()
        };
        for (i, ((seq, fin), rule)) in seqs.iter_mut().zip(done.iter_mut()).zip(rules).enumerate() {
            let next = match rule {
                None => p.tokens.pad,
                Some(Rule::Forced(id)) => id,
                Some(Rule::Banned(banned)) if banned.contains(&best[i]) => {
                    let mut row = logits.get(i)?.to_vec1::<f32>()?;
                    p.ban(&banned, &mut row);
                    p.columns.id(argmax(&row) as usize)
                }
                Some(_) => best[i],
            };
            *fin |= next == p.tokens.eos;
            seq.push(next);
        }
    }
    Ok(Some(
        seqs.into_iter()
            .map(|s| {
                let end = s.iter().skip(1).position(|&t| t == p.tokens.eos).map_or(s.len(), |i| i + 2);
                s[1..end].to_vec()
            })
            .collect(),
    ))
}

/// One sentence's beam search bookkeeping (HF `_beam_search`, unvectorized).
struct Beams {
    running: Vec<(Vec<u32>, f32)>,
    /// `(sequence, score, finished)`; unfinished slots are placeholders scored `NEG`.
    finished: Vec<(Vec<u32>, f32, bool)>,
    improvable: bool,
}

/// One of the top `2·beams` continuations.
struct Candidate {
    score: f32,
    beam: usize,
    token: u32,
}

/// Top `k` of `scores[beam][token]`, best first; ties go to the lower flat index as in a
/// stable descending sort. Rows are searched in parallel, then their bests merged.
fn top_k(scores: &[Vec<f32>], k: usize) -> Vec<Candidate> {
    use rayon::prelude::*;
    let per_row: Vec<Vec<(f32, u32)>> = scores.par_iter().map(|row| top_k_row(row, k)).collect();
    let mut all: Vec<Candidate> = per_row
        .into_iter()
        .enumerate()
        .flat_map(|(beam, best)| best.into_iter().map(move |(score, token)| Candidate { score, beam, token }))
        .collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then((a.beam, a.token).cmp(&(b.beam, b.token))));
    all.truncate(k);
    all
}

/// Top `k` `(score, token)` of one row, best first, ties to the lower token.
fn top_k_row(row: &[f32], k: usize) -> Vec<(f32, u32)> {
    let mut top: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
    for (token, &score) in row.iter().enumerate() {
        if top.len() == k && score <= top[k - 1].0 {
            continue;
        }
        let at = top.iter().position(|c| score > c.0).unwrap_or(top.len());
        top.insert(at, (score, token as u32));
        top.truncate(k);
    }
    top
}

/// Indices of the `k` largest values, best first, ties to the lower index.
fn best_indices(values: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

/// Each running hypothesis' scores for its next token: log-probabilities after the
/// processors, plus the hypothesis' score; rows in parallel.
fn beam_scores(logits: Vec<Vec<f32>>, sents: &[Beams], p: &Processors) -> Vec<Vec<f32>> {
    use rayon::prelude::*;
    let running: Vec<&(Vec<u32>, f32)> = sents.iter().flat_map(|s| &s.running).collect();
    logits
        .into_par_iter()
        .zip(running)
        .map(|(mut row, (seq, score))| {
            log_softmax(&mut row);
            p.apply(seq, &mut row);
            row.iter_mut().for_each(|x| *x += score);
            row
        })
        .collect()
}

fn beam_search(
    model: &Model,
    encoded: &Tensor,
    mask: Option<&Tensor>,
    p: &Processors,
) -> Result<Option<Vec<Vec<u32>>>> {
    let (b, nb) = (encoded.dim(0)?, p.opts.beams);
    let mut state = model.start_decoder(encoded, mask, nb)?;
    let mut sents: Vec<Beams> = (0..b).map(|_| Beams::start(p.tokens.start, nb)).collect();
    let mut cur_len = 1;
    loop {
        if (p.stop)() {
            return Ok(None);
        }
        let feed: Vec<u32> = sents.iter().flat_map(|s| s.running.iter().map(|(t, _)| t[t.len() - 1])).collect();
        let mut logits = beam_scores(step_logits(model, &feed, &mut state, p)?, &sents, p).into_iter();
        let mut parents = Vec::with_capacity(b * nb);
        let mut all_hit = true;
        for (si, s) in sents.iter_mut().enumerate() {
            let scores: Vec<Vec<f32>> = logits.by_ref().take(nb).collect();
            all_hit &= s.step(si, &scores, cur_len, p, &mut parents);
        }
        state.reorder(&Tensor::new(parents, model.device())?)?;
        cur_len += 1;
        let norm = (((cur_len - 1) as f64).powf(p.opts.length_penalty as f64)) as f32;
        sents.iter_mut().for_each(|s| s.check_improvable(norm));
        let open = !(p.opts.early_stopping && sents.iter().all(Beams::all_finished));
        if !(sents.iter().any(|s| s.improvable) && open && !all_hit) {
            break;
        }
    }
    Ok(Some(
        sents
            .into_iter()
            .map(|s| s.finished.into_iter().next().map(|f| f.0).unwrap_or_default())
            .map(|s| s.get(1..).unwrap_or_default().to_vec())
            .collect(),
    ))
}

impl Beams {
    /// One running hypothesis (the start token); the others are placeholders scored `NEG`.
    fn start(token: u32, nb: usize) -> Self {
        Self {
            running: (0..nb).map(|j| (vec![token], if j == 0 { 0.0 } else { NEG })).collect(),
            finished: vec![(Vec::new(), NEG, false); nb],
            improvable: true,
        }
    }

    fn all_finished(&self) -> bool {
        self.finished.iter().all(|f| f.2)
    }

    /// One decoding step of this sentence (`scores[beam][token]`, sentence `si`): the next
    /// running beams (their parents go to `parents`) and the finished ones. True when every
    /// candidate stopped.
    fn step(&mut self, si: usize, scores: &[Vec<f32>], cur_len: usize, p: &Processors, parents: &mut Vec<u32>) -> bool {
        let nb = p.opts.beams;
        let mut cands = top_k(scores, 2 * nb);
        cands.iter_mut().for_each(|c| c.token = p.columns.id(c.token as usize));
        let hits: Vec<bool> = cands.iter().map(|c| c.token == p.tokens.eos || cur_len + 1 >= p.max_length).collect();
        let extend = |c: &Candidate| {
            let mut seq = self.running[c.beam].0.clone();
            seq.push(c.token);
            seq
        };
        // Next running beams: best candidates, those that just stopped pushed down.
        let run_scores: Vec<f32> =
            cands.iter().zip(&hits).map(|(c, &h)| if h { c.score + NEG } else { c.score }).collect();
        let next_running: Vec<(Vec<u32>, f32)> = best_indices(&run_scores, nb)
            .into_iter()
            .map(|k| {
                parents.push((si * nb + cands[k].beam) as u32);
                (extend(&cands[k]), run_scores[k])
            })
            .collect();
        // Finished hypotheses: only stopped candidates among the top `beams` qualify.
        let all_finished = self.all_finished();
        let norm = ((cur_len as f64).powf(p.opts.length_penalty as f64)) as f32;
        let mut merged: Vec<(Vec<u32>, f32, bool)> = std::mem::take(&mut self.finished);
        for (k, c) in cands.iter().enumerate() {
            let just_finished = hits[k] && k < nb;
            let mut score = c.score / norm;
            if all_finished && p.opts.early_stopping {
                score += NEG;
            }
            if !self.improvable {
                score += NEG;
            }
            if !just_finished {
                score += NEG;
            }
            merged.push((extend(c), score, just_finished));
        }
        let merged_scores: Vec<f32> = merged.iter().map(|m| m.1).collect();
        let keep = best_indices(&merged_scores, nb);
        self.finished = keep.into_iter().map(|i| std::mem::take(&mut merged[i])).collect();
        self.running = next_running;
        hits.iter().all(|&h| h)
    }

    /// HF's heuristic: the best running beam, scored at the current length (`norm`), must
    /// beat the worst finished one for the search to go on.
    fn check_improvable(&mut self, norm: f32) {
        let worst = self.finished.iter().map(|f| f.1).fold(f32::INFINITY, f32::min);
        self.improvable &= !self.all_finished() || self.running[0].1 / norm > worst;
    }
}

/// Runs `f` (a decoding) on a rayon worker; where this crate's CPU kernels run, the pool's
/// other threads keep looking for work meanwhile, so each matmul that `f` splits starts on
/// every thread at once.
///
/// From inside the pool a matmul's rows are split without handing the whole call over and
/// sleeping until it is done. Rayon parks an idle thread after a few dozen empty looks for
/// work; a decoder step's ~100 matmuls take tens of microseconds each, with single-threaded
/// work between them, so each waited for a parked thread to wake: spinning made a step ~20%
/// faster on 2 cores (`speakja bench`). Nothing spins on a GPU, which the decoding mostly
/// waits for, nor with candle's portable kernels (Apple Silicon): those split 8-bit
/// matmuls over candle's own thread pool, which spinning rayon threads only slowed (a step
/// 15 → 19 ms with `SPEAKJA_KERNELS=generic`).
pub fn on_pool<R: Send>(device: &Device, f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| {
        let done = Arc::new(AtomicBool::new(false));
        if Kernels::run_on(device) && rayon::current_num_threads() > 1 {
            let (decoder, done) = (rayon::current_thread_index(), done.clone());
            // A job for each thread that only that thread runs: spawned into a scope, the
            // decoding's own thread could take them all while it waited on a matmul.
            rayon::spawn_broadcast(move |thread| {
                if Some(thread.index()) != decoder {
                    run_pool_work_until(&done);
                }
            });
        }
        // Set on return and on a panic.
        let _ends = SetOnDrop(&done);
        f()
    })
}

/// Runs the pool's pending jobs as they come, without parking, until `done`.
fn run_pool_work_until(done: &AtomicBool) {
    let mut idle = 0u32;
    while !done.load(Ordering::Acquire) {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            continue;
        }
        idle = idle.wrapping_add(1);
        // Now and then let the OS run another thread here (Neovim's, say): a spinning
        // thread would otherwise hold the core until it is preempted.
        if idle.is_multiple_of(IDLE_ROUNDS_PER_OS_YIELD) {
            std::thread::yield_now();
        }
        std::hint::spin_loop();
    }
}

/// Empty looks for work between two offers of the core to the OS (about a microsecond each).
const IDLE_ROUNDS_PER_OS_YIELD: u32 = 16;

struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_pool_splits_work_across_threads_and_ends_on_return_or_panic() {
        use rayon::prelude::*;
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let seen = pool.install(|| {
                on_pool(&Device::Cpu, || {
                    let on_a_worker = rayon::current_thread_index().is_some();
                    // Tasks long enough that every spinning thread takes some of them.
                    let ids: std::collections::HashSet<_> = (0..64)
                        .into_par_iter()
                        .with_max_len(1)
                        .map(|_| {
                            std::thread::sleep(std::time::Duration::from_millis(2));
                            rayon::current_thread_index()
                        })
                        .collect();
                    (on_a_worker, ids.len())
                })
            });
            assert_eq!(seen, (true, threads), "{threads} threads");
            // A panicking decoding stops the spinning threads too, and reaches the caller.
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.install(|| on_pool(&Device::Cpu, || panic!("decoding failed")))
            }));
            assert!(caught.is_err(), "{threads} threads");
        }
    }

    #[test]
    fn ngram_ban_matches_hf() {
        // 2-grams seen: (2,5) (5,7) (7,5); last token 5 → 7 is banned.
        assert_eq!(banned_ngram_tokens(&[2, 5, 7, 5], 2), vec![7]);
        assert_eq!(banned_ngram_tokens(&[2, 5, 7, 5], 1), vec![2, 5, 7, 5]);
        assert!(banned_ngram_tokens(&[2, 5], 3).is_empty());
        assert!(banned_ngram_tokens(&[2, 5, 7, 5], 0).is_empty());
    }

    #[test]
    fn top_k_orders_and_breaks_ties_by_index() {
        let scores = vec![vec![0.0, 3.0, 1.0], vec![3.0, f32::NEG_INFINITY, 2.0]];
        let got: Vec<(usize, u32)> = top_k(&scores, 4).iter().map(|c| (c.beam, c.token)).collect();
        assert_eq!(got, vec![(0, 1), (1, 0), (1, 2), (0, 2)]);
        assert_eq!(argmax(&[1.0, 5.0, 5.0]), 1);
        assert_eq!(best_indices(&[1.0, 5.0, 5.0, 7.0], 2), vec![3, 1]);
    }

    #[test]
    fn log_softmax_normalises() {
        let mut x = vec![1.0f32, 2.0, 3.0];
        log_softmax(&mut x);
        let total: f32 = x.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-6);
    }
}
