// Package country maps country names and codes, as sanctions lists and
// users write them, to ISO 3166-1 alpha-2 codes. List parsers use Code;
// screening requests use Parse, which is stricter.
package country

import (
	"strings"
	"unicode"

	"github.com/bulwark-sec/bulwark"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Code maps a country name as sanctions lists spell it to its
// ISO 3166-1 alpha-2 code: the ISO English short name, the UN's formal
// names ("Iran (Islamic Republic of)", "Democratic People's Republic of
// Korea"), OFAC's inverted forms ("Korea, North", "Bahamas, The",
// "Congo, Democratic Republic of the") and common variants, compared without
// case, accents or punctuation. A two-letter ISO code is accepted as is.
// Kosovo maps to the user-assigned code XK that OFAC and the EU use.
//
// ok is false for a name the table does not know. Names that are known but
// name no current country ("undetermined", "former Soviet Union", OFAC's
// "Region: Kafia Kingi") return "" with ok true: callers skip them without
// reporting a problem.
func Code(name string) (code string, ok bool) {
	k := normCountry(name)
	if k == "" {
		return "", true
	}
	if c, found := countryIndex[k]; found {
		return c, true
	}
	if strings.HasPrefix(k, "possibly ") {
		return Code(k[len("possibly "):])
	}
	if len(k) == 2 && isASCIILetters(k) {
		if _, known := isoCodes[strings.ToUpper(k)]; known {
			return strings.ToUpper(k), true
		}
	}
	return "", false
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// normCountry lower-cases s, strips accents, drops dots and apostrophes,
// turns other punctuation into spaces, reads "&" as "and", collapses
// spaces and drops a leading or trailing "the".
func normCountry(s string) string {
	var sb strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '.' || r == '\'' || r == '\u2019' || r == '`':
			continue
		case r == '&':
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString("and")
			space = true
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			space = false
			sb.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	k := sb.String()
	k = strings.TrimPrefix(k, "the ")
	k = strings.TrimSuffix(k, " the")
	return k
}

// countryTable lists each ISO 3166-1 code with its English short name and
// the other spellings seen in OFAC, UN, EU and Israeli lists. Code "-"
// marks names that are known but name no current country.
const countryTable = `
AD|Andorra
AE|United Arab Emirates|UAE|U.A.E.
AF|Afghanistan
AG|Antigua and Barbuda
AI|Anguilla
AL|Albania
AM|Armenia
AO|Angola
AQ|Antarctica
AR|Argentina
AS|American Samoa
AT|Austria
AU|Australia
AW|Aruba
AX|Åland Islands
AZ|Azerbaijan
BA|Bosnia and Herzegovina|Bosnia-Herzegovina|Bosnia
BB|Barbados
BD|Bangladesh
BE|Belgium
BF|Burkina Faso
BG|Bulgaria
BH|Bahrain
BI|Burundi
BJ|Benin
BL|Saint Barthélemy
BM|Bermuda
BN|Brunei|Brunei Darussalam
BO|Bolivia|Bolivia (Plurinational State of)|Plurinational State of Bolivia
BQ|Bonaire, Sint Eustatius and Saba|Caribbean Netherlands
BR|Brazil
BS|Bahamas|Bahamas, The
BT|Bhutan
BV|Bouvet Island
BW|Botswana
BY|Belarus
BZ|Belize
CA|Canada
CC|Cocos (Keeling) Islands|Cocos Islands
CD|Congo, Democratic Republic of the|Democratic Republic of the Congo|DR Congo|DRC|Congo (Kinshasa)|Congo-Kinshasa|Zaire
CF|Central African Republic
CG|Congo|Congo, Republic of the|Republic of the Congo|Congo (Brazzaville)|Congo-Brazzaville
CH|Switzerland
CI|Côte d'Ivoire|Cote d Ivoire|Ivory Coast
CK|Cook Islands
CL|Chile
CM|Cameroon
CN|China|People's Republic of China|China, People's Republic of|PRC
CO|Colombia
CR|Costa Rica
CU|Cuba
CV|Cabo Verde|Cape Verde|Cabo Verde. Previously Cape Verde
CW|Curaçao
CX|Christmas Island
CY|Cyprus
CZ|Czechia|Czech Republic
DE|Germany|Federal Republic of Germany
DJ|Djibouti
DK|Denmark
DM|Dominica
DO|Dominican Republic
DZ|Algeria
EC|Ecuador
EE|Estonia
EG|Egypt
EH|Western Sahara
ER|Eritrea
ES|Spain
ET|Ethiopia
FI|Finland
FJ|Fiji
FK|Falkland Islands|Falkland Islands (Malvinas)
FM|Micronesia|Micronesia, Federated States of|Micronesia (Federated States of)
FO|Faroe Islands
FR|France
GA|Gabon
GB|United Kingdom|United Kingdom of Great Britain and Northern Ireland|UK|Great Britain|England|Scotland|Wales|Northern Ireland
GD|Grenada
GE|Georgia
GF|French Guiana
GG|Guernsey
GH|Ghana
GI|Gibraltar
GL|Greenland
GM|Gambia|Gambia, The
GN|Guinea
GP|Guadeloupe
GQ|Equatorial Guinea
GR|Greece
GS|South Georgia and the South Sandwich Islands
GT|Guatemala
GU|Guam
GW|Guinea-Bissau
GY|Guyana
HK|Hong Kong|China, Hong Kong Special Administrative Region|Hong Kong SAR|Hong Kong, China
HM|Heard Island and McDonald Islands
HN|Honduras
HR|Croatia
HT|Haiti
HU|Hungary
ID|Indonesia
IE|Ireland
IL|Israel
IM|Isle of Man|Man, Isle of
IN|India
IO|British Indian Ocean Territory
IQ|Iraq
IR|Iran|Iran (Islamic Republic of)|Islamic Republic of Iran|Iran, Islamic Republic of
IS|Iceland
IT|Italy
JE|Jersey
JM|Jamaica
JO|Jordan
JP|Japan
KE|Kenya
KG|Kyrgyzstan|Kyrgyz Republic
KH|Cambodia
KI|Kiribati
KM|Comoros
KN|Saint Kitts and Nevis|St. Kitts and Nevis
KP|Korea, North|North Korea|Democratic People's Republic of Korea|Korea, Democratic People's Republic of|Korea (Democratic People's Republic of)|DPRK
KR|Korea, South|South Korea|Republic of Korea|Korea, Republic of|Korea (Republic of)
KW|Kuwait
KY|Cayman Islands
KZ|Kazakhstan
LA|Laos|Lao People's Democratic Republic|Lao PDR
LB|Lebanon
LC|Saint Lucia|St. Lucia
LI|Liechtenstein
LK|Sri Lanka
LR|Liberia
LS|Lesotho
LT|Lithuania
LU|Luxembourg
LV|Latvia
LY|Libya|Libyan Arab Jamahiriya
MA|Morocco
MC|Monaco
MD|Moldova|Republic of Moldova|Moldova, Republic of
ME|Montenegro
MF|Saint Martin|Saint Martin (French part)
MG|Madagascar
MH|Marshall Islands
MK|North Macedonia|North Macedonia, The Republic of|Republic of North Macedonia|Macedonia|Macedonia, The Former Yugoslav Republic of|The former Yugoslav Republic of Macedonia
ML|Mali|Region: Northern Mali
MM|Burma|Myanmar
MN|Mongolia
MO|Macau|Macao|China, Macao Special Administrative Region
MP|Northern Mariana Islands
MQ|Martinique
MR|Mauritania
MS|Montserrat
MT|Malta
MU|Mauritius
MV|Maldives
MW|Malawi
MX|Mexico
MY|Malaysia
MZ|Mozambique
NA|Namibia
NC|New Caledonia
NE|Niger
NF|Norfolk Island
NG|Nigeria
NI|Nicaragua
NL|Netherlands|Holland|Netherlands (Kingdom of the)
NO|Norway
NP|Nepal
NR|Nauru
NU|Niue
NZ|New Zealand
OM|Oman
PA|Panama
PE|Peru
PF|French Polynesia
PG|Papua New Guinea
PH|Philippines
PK|Pakistan
PL|Poland
PM|Saint Pierre and Miquelon
PN|Pitcairn
PR|Puerto Rico
PS|Palestine|State of Palestine|Palestine, State of|Palestinian|Palestinian Authority|Palestinian Territories|Occupied Palestinian Territory|West Bank|Gaza|Gaza Strip|Region: Gaza|Region: North Gaza|Region: Northern Gaza|Region: West Bank
PT|Portugal
PW|Palau
PY|Paraguay
QA|Qatar
RE|Réunion
RO|Romania
RS|Serbia
RU|Russia|Russian Federation|Region: Russia
RW|Rwanda
SA|Saudi Arabia
SB|Solomon Islands
SC|Seychelles
SD|Sudan
SE|Sweden
SG|Singapore
SH|Saint Helena, Ascension and Tristan da Cunha|Saint Helena
SI|Slovenia
SJ|Svalbard and Jan Mayen
SK|Slovakia
SL|Sierra Leone
SM|San Marino
SN|Senegal
SO|Somalia
SR|Suriname
SS|South Sudan
ST|Sao Tome and Principe
SV|El Salvador
SX|Sint Maarten|Sint Maarten (Dutch part)
SY|Syria|Syrian Arab Republic
SZ|Eswatini|Swaziland
TC|Turks and Caicos Islands
TD|Chad
TF|French Southern Territories
TG|Togo
TH|Thailand
TJ|Tajikistan
TK|Tokelau
TL|Timor-Leste|East Timor
TM|Turkmenistan
TN|Tunisia
TO|Tonga
TR|Turkey|Türkiye
TT|Trinidad and Tobago
TV|Tuvalu
TW|Taiwan|Taiwan, Province of China|Chinese Taipei
TZ|Tanzania|United Republic of Tanzania|Tanzania, United Republic of
UA|Ukraine|Crimea|Region: Crimea
UG|Uganda
UM|United States Minor Outlying Islands
US|United States|United States of America|USA|U.S.|U.S.A.
UY|Uruguay
UZ|Uzbekistan
VA|Holy See|Vatican City|Holy See (Vatican City State)
VC|Saint Vincent and the Grenadines|St. Vincent and the Grenadines
VE|Venezuela|Venezuela (Bolivarian Republic of)|Bolivarian Republic of Venezuela
VG|Virgin Islands, British|British Virgin Islands
VI|Virgin Islands, U.S.|United States Virgin Islands|US Virgin Islands
VN|Vietnam|Viet Nam
VU|Vanuatu
WF|Wallis and Futuna
WS|Samoa
XK|Kosovo
YE|Yemen
YT|Mayotte
ZA|South Africa
ZM|Zambia
ZW|Zimbabwe
-|undetermined|unknown|na|n/a|none|None Identified|stateless|former Soviet Union|Soviet Union|USSR|Yugoslavia|Serbia and Montenegro|Netherlands Antilles|Region: Commonwealth of Independent States|Region: Kafia Kingi|Region: Jammu and Kashmir|Kashmir
`

// countryIndex maps normalized names to codes ("" for known non-countries)
// and isoCodes holds every code of the table. Both are built once and only
// read afterwards.
var countryIndex, isoCodes = buildCountryIndex()

func buildCountryIndex() (map[string]string, map[string]struct{}) {
	index := make(map[string]string, 600)
	codes := make(map[string]struct{}, 260)
	for _, line := range strings.Split(countryTable, "\n") {
		fields := strings.Split(line, "|")
		if len(fields) < 2 {
			continue
		}
		code := fields[0]
		if code == "-" {
			code = ""
		} else {
			codes[code] = struct{}{}
		}
		for _, name := range fields[1:] {
			index[normCountry(name)] = code
		}
	}
	return index, codes
}

// IsISO reports whether code is one of the table's upper-case ISO 3166-1
// alpha-2 codes (with XK for Kosovo).
func IsISO(code string) bool {
	_, ok := isoCodes[code]
	return ok
}

// ambiguous maps names that fit more than one country to what to give
// instead. Parse refuses them; Code, for list files, keeps the reading the
// lists use ("Congo" is the Republic of the Congo there).
var ambiguous = map[string]string{
	"korea":          "KP (North Korea) or KR (South Korea)",
	"congo":          "CG (Republic of the Congo) or CD (Democratic Republic of the Congo)",
	"virgin islands": "VG (British Virgin Islands) or VI (US Virgin Islands)",
}

// Parse reads a country a user gives with a screening request: an ISO
// 3166-1 alpha-2 code (any case), an alpha-3 code ("PRK", "KOR"), or a
// name as Code knows it ("North Korea", "DPRK", "Korea, Democratic
// People's Republic of"). It returns the alpha-2 code, "" for an empty s.
// A name that fits more than one country ("Korea"), names no country
// ("stateless") or is unknown is an EINVALID error naming field and what
// to give instead.
func Parse(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	const want = "give an ISO 3166-1 code (KP, PRK) or an English country name (North Korea)"
	if len(s) > 100 {
		return "", bulwark.Invalid(field, "%d bytes is too long for a country: %s", len(s), want)
	}
	k := normCountry(s)
	if alts, ok := ambiguous[k]; ok {
		return "", bulwark.Invalid(field, "%q is ambiguous: give %s", s, alts)
	}
	if isASCIILetters(s) {
		switch up := strings.ToUpper(s); len(s) {
		case 2:
			// Two letters are a code, never a name: "NA" is Namibia,
			// not "n/a".
			if IsISO(up) {
				return up, nil
			}
			if c, ok := countryIndex[k]; ok && c != "" {
				return c, nil // "UK"
			}
			return "", bulwark.Invalid(field, "%q is not an ISO 3166-1 alpha-2 code: %s", s, want)
		case 3:
			if r, err := language.ParseRegion(up); err == nil && r.ISO3() == up && IsISO(r.String()) {
				return r.String(), nil
			}
		}
	}
	code, ok := Code(s)
	switch {
	case !ok:
		return "", bulwark.Invalid(field, "%q is not a country Bulwark knows: %s", s, want)
	case code == "":
		return "", bulwark.Invalid(field, "%q names no current country: leave the country out when it is not known", s)
	}
	return code, nil
}

// Codes returns a copy of the set of the table's ISO codes.
func Codes() map[string]struct{} {
	out := make(map[string]struct{}, len(isoCodes))
	for c := range isoCodes {
		out[c] = struct{}{}
	}
	return out
}
