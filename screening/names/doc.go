// Package names is Bulwark's name-matching engine: it scores how likely two
// names denote the same party and finds, among the names of listed
// parties, those that match a screened name. It knows nothing of the list
// model; callers give it [Record] values and get [Match] values back, each
// with an [Explanation] of its score. [AlgorithmVersion] is recorded with
// every decision.
//
// # Pipeline
//
// Normalisation ([Normalize]) turns any string (invalid UTF-8 included)
// into tokens:
//
//   - Scripts are transliterated into Latin: Hangul syllables are
//     decomposed into jamo and read in Revised Romanisation
//     ([RomanizeHangul] also gives McCune–Reischauer), Cyrillic by a
//     BGN/PCGN-like table (Russian, Ukrainian, Belarusian, Serbian, Kazakh,
//     Mongolian letters), Greek, Armenian and Georgian by tables, Hanzi by
//     go-pinyin (toneless, one token per character), kana by Hepburn, and
//     Arabic, Persian, Urdu and Hebrew to a consonantal reading (the
//     tokens are marked as abjad and compared by consonant skeleton).
//     Scripts without a table (Thai, Devanagari, Khmer…) are kept as they
//     are and compared letter by letter.
//   - NFKD, diacritics stripped, case folded; apostrophes removed inside
//     words (Ch'oe → choe, Qa'ida → qaida), a possessive 's dropped; other
//     punctuation separates tokens; dotted initialisms are joined
//     (L.L.C. → llc, J.-C. → jc); & is "and"; digits standing for letters
//     are read as letters (Ig0r → igor); number words and ordinals become
//     digits (forty-four → 44, 1st → 1), Roman numerals after the first
//     token too (Fund III → 3).
//   - Honorifics and ranks are dropped (Mr, Dr, Sheikh, Haji, General,
//     President…); particles (al, el, bin, ibn, ben, de, van…) are kept
//     with low weight, bin/ibn/ben and al/el merged; legal forms are
//     recognised as phrases, in Latin or transliterated Russian, and
//     replaced by one low-weight class token (Limited = Ltd, Open Joint
//     Stock Company = OAO = PJSC = JSC, Aktiengesellschaft = AG,
//     Общество с ограниченной ответственностью = OOO = LLC…); a phrase of
//     several words is found with a typo in any of its long words.
//
// Each token carries a phonetic key (ph→f, kh→h, zh→j, ts/tz, w→v, y→i,
// doubled letters single… so ya/ia, yu/iu, kh/h, zh/j variants coincide), a
// consonant skeleton, and, when it reads as romanised Korean, a canonical
// Korean syllable key (see korean.go): Pak/Park/Bak, Jong/Chong/Jung/
// Jeong/Chung, Ri/Rhee/Lee/Yi/I, Choe/Choi/Chwe, Kyong/Kyung/Gyeong and
// Hyon/Hyun/Hyeon share a key per syllable, and the key does not depend
// on where a joined given name is cut (Kyong-hui = Kyonghui = Kyong Hui).
//
// # Name score
//
// Two token lists are aligned greedily by similarity: one token against
// one token (exact 1, same phonetic key 0.95, same Korean key 0.92, else
// 1 − 1.4·d/len with d a weighted edit distance in which vowel changes,
// transpositions and h cost less, so one consonant typo in a five-letter
// word keeps 0.72; abjad tokens by skeleton; two different Hangul
// syllables or Han readings 0; two words one keystroke apart — a letter
// deleted, inserted, replaced or two swapped, in the spelling or the
// phonetic key — at least 0.86, or 0.8 when the longer has three letters,
// so Yog ~ Yong and Panriot ~ Patriot stay above the review threshold;
// a legal form against a word one edit from one of its spellings, or
// spelled as one, 0.8: Liited ~ Limited, Co Td ~ Co Ltd; a number
// against a word one edit from a number word read as it, 0.86: Fiist ~
// First = 1), one token
// against 2–3 adjacent tokens joined (Jongun ~ Jong Un, SiemensAG ~
// Siemens AG), an initial against a name (0.8), an acronym against the
// initials of a run (PLA ~ People's Liberation Army, 0.85). Token order is
// ignored ("LAST, First" matches "First Last"), except that tokens on
// opposite sides of a patronymic "bin" count half (Salman bin Muhammad is
// not Muhammad bin Salman). Then
//
//	score = M / (M + 1.5·(C + conflict) + 0.25·max(1, 2/M)·extra)
//
// where M is the weighted similarity of the aligned pairs (a similarity
// below 0.7 fades to 0 at 0.4: a half-similar word is another name), C
// their missing
// similarity, conflict the weight of unaligned tokens facing unaligned
// tokens on the other side (a different name in the same slot) and extra
// the weight of tokens only one name has (a middle name, a legal form):
// an extra token costs a sixth of a conflicting one. Token weights: word 1,
// initial and number 0.5, legal form 0.4, particle 0.3, stopword 0.15.
// [Compare] exposes this score; it is symmetric.
//
// # Search
//
// [Build] indexes every name of every record under blocking keys: each
// word's phonetic key and, when it differs, its spelling, each with its
// one-letter deletions from three letters up (so one typo of any kind still
// shares a key, even where the phonetic key would turn it into two edits:
// Diision, Offica), each number, each word's Korean key and skeleton, the
// keys of adjacent words joined (2, and 3 when short), and one key per
// unordered pair of leading words. [Index.Search] probes the query's keys rarest first,
// skips keys held by more than 3% of the names (mohammed, kim, ltd: their
// pair keys still find the names), stops after a fixed number of postings,
// ranks names by the IDF weight of the keys they share (at most one key per
// query word counts) and scores only the best 150 with the full scorer, so
// a miss costs what a hit costs. With a MinScore, a name whose score
// cannot reach it is skipped before it is aligned: an upper bound of the
// score from each token's best possible partner (bound.go), first without
// edit distances, is compared with MinScore less its record's features.
// The best name of each record then gets
// the secondary features: weak alias, date of birth, country and type (see
// the Penalty and Bonus constants), each listed in the Explanation.
//
// # Limits
//
// Chinese characters are read in Mandarin: a Korean or Japanese name
// written in Hanja or Kanji (金正恩) does not match its Korean or Japanese
// reading (Kim Jong Un). Russian transcriptions of Korean names are read
// through the Korean key with е as 어 and н ending either n or ng, which
// covers Ким Чен Ын but not every Kontsevich spelling. Nicknames (Bibi,
// Ted), translations (Murom Instrument-Making Plant) and scripts without
// a table are not bridged.
package names
