---@meta
-- Option types for lua_ls completion and checks: `---@type speakja.Config` on a table, or
-- just `require("speakja").setup({ ... })`. The native side validates the same options
-- (unknown keys and wrong types are named errors); `:help speakja-options` explains each.

---@class speakja.Config
---@field models_dir? string Where the voice and the translator model live (default: the plugin's `models/`).
---@field source_lang? string NLLB code of the text read (default `"eng_Latn"`).
---@field target_lang? string NLLB code spoken (default `"jpn_Jpan"`).
---@field translator? speakja.TranslatorConfig
---@field tts? speakja.TtsConfig
---@field audio? speakja.AudioConfig
---@field auto? speakja.AutoConfig
---@field ui? speakja.UiConfig
---@field cache? speakja.CacheConfig
---@field queue_size? integer Sentences that may wait (1–10000).
---@field history_size? integer Finished sentences kept by `history()`.
---@field max_text_bytes? integer Longest text `speak()` accepts (up to 1 MiB).
---@field redact? boolean Replace credentials with 「キー省略」 before anything sees them (default true).

---@class speakja.TranslatorConfig
---@field engine? "auto"|"none"|"nllb" `auto`: NLLB when its model is present.
---@field model? string A model directory other than `models_dir`'s.
---@field device? "auto"|"cpu"|"cuda"|"metal"
---@field dtype? "auto"|"f32"|"f16"|"bf16"|"q8_0" `auto`: q8_0 on a CPU, f16 on a GPU.
---@field beams? integer 1 = greedy.
---@field max_new_tokens? integer
---@field max_length_ratio? number
---@field no_repeat_ngram_size? integer 0 = off.
---@field length_penalty? number
---@field vocab? "target"|"full" `target`: score only the target language's rows, the sentence's pieces and specials.
---@field threads? integer CPU threads a decoding uses (x86 kernels); 0 (default) = all cores up to 4.
---@field load? "startup"|"first_use"

---@class speakja.TtsConfig
---@field engine? "openjtalk"|"google"|"auto"
---@field voice? string An HTS voice file.
---@field dictionary? string
---@field speed? number 0.25–4.
---@field volume? number 0–4.
---@field order? ("openjtalk"|"google")[] Engines tried in turn by `auto`.
---@field readings? table<string, string> Your readings for words the voice says wrong; they win.
---@field cooldown_after? integer
---@field cooldown_s? integer
---@field google? speakja.GoogleConfig

---@class speakja.GoogleConfig
---@field base_url? string
---@field connect_timeout_ms? integer
---@field timeout_ms? integer
---@field lang? string

---@class speakja.AudioConfig
---@field sink? "auto"|"device"|"wav"|"null"
---@field wav_dir? string
---@field wav_keep? integer The WAV sink keeps at most this many files...
---@field wav_max_mb? integer ...and this many megabytes.

---@class speakja.AutoConfig
---@field patterns? string[] Programs (argv[0]'s name, through wrappers) whose terminals are attached when they open.
---@field stable_ms? integer A sentence is read once its lines are this long unchanged.
---@field max_backlog_s? number Unspoken speech kept per terminal.
---@field interrupt_on_prompt? boolean A prompt sent to the agent silences what is said.
---@field narrate_tools? boolean A short fixed phrase when the agent starts a tool.
---@field online? boolean May terminal text reach an online voice (default false)?
---@field speculate? boolean Translate and synthesize a sentence while it settles, so it plays once heard (default true).

---@class speakja.UiConfig
---@field float? boolean

---@class speakja.CacheConfig
---@field enabled? boolean
---@field dir? string
---@field max_mb? integer
