package hiring

import (
	"slices"
	"strings"
	"unicode"

	"github.com/bulwark-sec/bulwark/hiring/linkage"
	"github.com/bulwark-sec/bulwark/screening/names"
	"golang.org/x/text/unicode/norm"
)

// The comparisons the rules make of names, addresses and accounts. They
// are deliberately simple and exact after normalisation; the fuzzy linkage
// of records is the identity graph's job, and sanctions matching the
// screening service's.

// matchKey is how evidence names a person (an id or an e-mail): an e-mail
// as NormalizeEmail has it (lower case, a provider's dot and tag aliases
// folded), anything else trimmed and lower-cased.
func matchKey(s string) string {
	if strings.IndexByte(s, '@') >= 0 {
		if e, ok := NormalizeEmail(s); ok {
			return e
		}
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// The rules compare identifiers in the identity graph's normal forms, so
// that a rule and the graph never disagree about whether two values are the
// same: a serial with or without its dashes, a GitHub handle or its profile
// URL, an IBAN in groups of four or run together. A value that does not
// normalise (a firmware placeholder serial, a URL that is no handle) is ""
// and matches nothing.

// githubKey is s as NormalizeGitHub has it, "" when s is not a handle.
func githubKey(s string) string {
	v, _ := NormalizeGitHub(s)
	return v
}

// serialKey is s as NormalizeSerial has it, "" when s is not a serial.
func serialKey(s string) string {
	v, _ := NormalizeSerial(s)
	return v
}

// payrollKey is a payroll account as the graph compares it: a bank account
// or IBAN as NormalizeBankAccount has it, a crypto address as
// normalizeCrypto has it; "" when it does not normalise.
func payrollKey(kind, account string) string {
	if isCrypto(kind) {
		return normalizeCrypto(account)
	}
	a, _ := NormalizeBankAccount(account)
	return a.Value
}

// MFADeviceKey is the key SHARED_MFA_DEVICE compares an MFA device value
// (SignIn.MFADevice) by when it identifies one device, "" for a value
// that does not: a model or product
// name ("iPhone 15", "Pixel 8", "Okta Verify on iOS", "YubiKey 5 NFC"), a
// method, a masked phone number, a short label. Many people own the same
// model, so only a unique identifier may link their accounts:
//
//   - a whole phone number: "+" and at least 8 digits, alone or after a
//     word saying so ("phone +13125550100", as the Entra reader writes it);
//   - a serial after a word saying so ("sn 1234567", "serial: CC12345",
//     also after a model name: "YubiKey 5 NFC SN 1234567"): at least 6
//     characters with a digit;
//   - an identifier after a word or prefix saying so ("device id …",
//     "credential …", "okta-verify:…"): at least 8 characters, or 6 with
//     a digit;
//   - a value of one word alone (the Okta device id, a UUID, a credential
//     id): at least 16 characters, or 12 with a digit.
//
// None of them may begin with a model or product name (modelWords). The
// kind is part of the key: a serial and an id of the same characters are
// different devices.
func MFADeviceKey(v string) string {
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "" || maskedMFA(s) {
		return ""
	}
	kind, rest := "", s
	fields := strings.Fields(s)
	if k, r, ok := strings.Cut(fields[0], ":"); ok && len(fields) == 1 && k != "" && r != "" {
		kind, rest = mfaKindWords[k], r
		if kind == "" {
			kind = "id" // a provider's or exporter's prefix: "okta-verify:…"
		}
	} else if len(fields) >= 2 {
		if k := mfaKindWords[strings.TrimRight(fields[len(fields)-2], ":#=")]; k != "" {
			kind, rest = k, fields[len(fields)-1]
		} else if k := mfaKindWords[strings.TrimRight(fields[0], ":#=")]; k == "phone" {
			kind, rest = k, strings.Join(fields[1:], "")
		}
	}
	if kind == "phone" || (kind == "" && strings.HasPrefix(s, "+")) {
		return mfaPhoneKey(rest)
	}
	if strings.ContainsFunc(rest, unicode.IsSpace) || modelName(rest) {
		return ""
	}
	n, digit := len(rest), hasDigit(rest)
	switch {
	case kind == "serial" && n >= 6 && digit,
		kind == "id" && (n >= 8 || n >= 6 && digit),
		kind == "" && (n >= 16 || n >= 12 && digit):
		if kind == "" {
			kind = "id"
		}
		return kind + ":" + rest
	}
	return ""
}

// mfaPhoneKey is the key of a whole phone number ("+" and at least 8
// digits, written with spaces, dashes, dots or brackets), "" otherwise.
func mfaPhoneKey(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return ""
		}
	}
	if !strings.HasPrefix(s, "+") || b.Len() < 8 {
		return ""
	}
	return "phone:+" + b.String()
}

// mfaKindWords are the words that say what identifier follows them in an
// MFA device value.
var mfaKindWords = map[string]string{
	"phone": "phone", "tel": "phone", "mobile": "phone", "sms": "phone", "voice": "phone",
	"serial": "serial", "sn": "serial", "s/n": "serial", "serialnumber": "serial", "serial_number": "serial",
	"id": "id", "device": "id", "deviceid": "id", "device_id": "id", "device-id": "id",
	"credential": "id", "credentialid": "id", "credential_id": "id", "credential-id": "id", "uuid": "id",
}

// modelWords begin the model and product names MFA values carry in place
// of a device: phones, tablets, security keys, authenticator apps.
var modelWords = []string{
	"iphone", "ipad", "ipod", "pixel", "galaxy", "sm-", "oneplus", "samsung", "xiaomi", "redmi", "huawei",
	"honor", "oppo", "vivo", "motorola", "moto", "nokia", "xperia", "yubikey", "titan", "feitian", "solokey",
	"nitrokey", "macbook", "imac", "surface", "thinkpad", "windows", "android", "ios", "okta", "google",
	"microsoft", "authenticator", "duo", "webauthn", "fido", "passkey", "security-key", "securitykey", "totp",
}

// modelName reports whether an MFA device value begins with a model or
// product name.
func modelName(s string) bool {
	for _, w := range modelWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// bareAccount reports whether an account key (payrollKey, or a bank
// account as the identity graph normalises it) is a bare account number:
// digits alone, no IBAN and no crypto address, so that it names an
// account only together with its bank (the institution: a name, routing
// number, sort code or BIC).
func bareAccount(key string) bool {
	a, ok := NormalizeBankAccount(key)
	return ok && !a.IBAN && allDigits(a.Value)
}

// foldTokens lower-cases s, strips diacritics and splits it into words of
// letters and digits.
func foldTokens(s string) []string {
	s = norm.NFD.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '#':
			b.WriteString(" # ")
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// nameTokens are the words of a personal name, sorted.
func nameTokens(s string) []string {
	t := foldTokens(s)
	slices.Sort(t)
	return t
}

// sameName reports whether two personal names can be the same person's:
// the shorter name's words each match a distinct word of the longer one
// exactly, as an initial, or with a Jaro-Winkler similarity of at least
// 0.93 between words of five letters or more (a typo: "Jonathan" and
// "Jonathon", not "Maria" and "Mario"), in any order. "Jon A. Smith" and "Smith, John" are the same
// name; "John Smith" and "Jane Smith" are not. A name missing on either
// side counts as the same (nothing says they differ).
func sameName(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	used := make([]bool, len(b))
	full := 0 // words of a matched by a whole word, not an initial
	for _, w := range a {
		found := false
		for pass := 0; pass < 3 && !found; pass++ {
			for j, v := range b {
				if used[j] {
					continue
				}
				var ok bool
				switch pass {
				case 0:
					ok = w == v
				case 1:
					ok = len(w) >= 5 && len(v) >= 5 && !hasDigit(w) && !hasDigit(v) && linkage.JaroWinkler(w, v) >= 0.93
				case 2:
					ok = (len(w) == 1 && strings.HasPrefix(v, w)) || (len(v) == 1 && strings.HasPrefix(w, v))
				}
				if ok {
					used[j] = true
					found = true
					if pass < 2 {
						full++
					}
					break
				}
			}
		}
		if !found {
			return false
		}
	}
	// A one-word name matches only a one-word name or a surname-only record
	// in full; "J" alone matches nothing.
	return full >= 1
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// holderMinScore is the screening name scorer's score from which a payroll
// account holder written in another script than the person's name is the
// person: "김민준" and "Kim Minjun" score 0.94, "Иван Петров" and "Ivan
// Petrov" 1.0, unrelated names 0.
const holderMinScore = 0.9

// holderIsPerson reports whether an account holder's name can be the
// person's: the same name as sameName has it, or, when the two are written
// in different scripts (a bank writing a Korean, Chinese or Cyrillic name
// in its own script), the same name after the screening service's
// transliteration (names.Compare), so that the script of a name is never
// what raises a flag.
//
// A joint account's holder ("Maria Garcia and David Chen", "M. Garcia &
// D. Chen") is the person's when one of its holders is.
func holderIsPerson(holder string, personTokens []string, fullName string) bool {
	for _, h := range holderNames(holder) {
		if holderIsOne(h, personTokens, fullName) {
			return true
		}
	}
	return false
}

// holderNames splits a joint account's holder into its holders' names.
func holderNames(holder string) []string {
	s := " " + holder + " "
	for _, sep := range []string{"&", "/", ";", "+", " and ", " AND ", " And ", " und ", " et ", " y "} {
		s = strings.ReplaceAll(s, sep, "\x00")
	}
	var out []string
	for _, h := range strings.Split(s, "\x00") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func holderIsOne(holder string, personTokens []string, fullName string) bool {
	if sameName(nameTokens(holder), personTokens) {
		return true
	}
	if !nonLatin(holder) && !nonLatin(fullName) {
		return false
	}
	s, _ := names.Compare(holder, fullName, "person")
	return s >= holderMinScore
}

// nonLatin reports whether s has a letter of a script other than Latin.
func nonLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}
