// Package linkage links records of people that describe the same person
// despite typos, swapped or missing fields, and finds near-duplicate text
// such as resumes reworded from one another.
//
// # Records
//
// A [Record] carries a full name, a date of birth, a free-text address and
// an optional national identifier. Each field is normalised once
// ([ParseName], [ParseDate], [AddressTokens], [NormalizeID]) and compared
// with a tolerant comparator:
//
//   - names: Jaro-Winkler per part, given and family names compared
//     straight or crosswise (swapped columns), initials agreeing with a
//     name, a lone token compared with either part;
//   - dates of birth: exact, or close when one digit is wrong, two adjacent
//     digits are transposed or day and month are swapped; partial dates
//     agree where both are known;
//   - addresses: a soft Dice coefficient over tokens (words within
//     Jaro-Winkler 0.9 count as shared, numbers must agree);
//   - national identifiers: exact, or close within one edit.
//
// Each field's agreement level adds a weight in bits (Fellegi–Sunter
// log-likelihood ratios; a missing field adds nothing; exact agreement on
// a name weighs less the more common the name is among the indexed
// records) and the total, against a prior of log2 of the number of indexed
// records, maps to a score in [0,1]. Pairs at or above [Options].Threshold (0.5 by default)
// match; every [Match] says which fields agreed ([FieldScore], Match.Why).
//
// # Blocking
//
// Records are only compared when they share a blocking key: a name part's
// Soundex with the birth year, the full birth date with a name part's
// initial, the national identifier, the address's longest number with a
// name part's initial, or the pair of the name parts' Soundex codes. A
// single typo, swapped names or one missing field leaves at least one key
// shared. Keys shared by more than [Options].MaxBlock records are skipped
// as too common to be useful.
//
// # Entry points
//
//   - [LinkSets] links two sources (each pair a record of each);
//   - [Dedupe] finds the pairs within one set (1,000,000 records in well
//     under a minute on two cores);
//   - [NewIndex] builds an [Index] of known records whose [Index.Query]
//     matches one new applicant in well under a millisecond against
//     1,000,000 records.
//
// # Near-duplicate text
//
// [TextIndex] finds near-duplicate documents by MinHash signatures over
// word shingles with locality-sensitive hashing (banding): candidates are
// verified by their exact shingle Jaccard similarity against a threshold
// (0.8 by default).
//
// The package imports nothing of Bulwark but its error type: package
// hiring builds the identity graph on it.
package linkage
