package screening

import "time"

// EntityType says what kind of party an entity is.
type EntityType string

// Entity types. Lists that do not say are recorded as [TypeUnknown].
const (
	TypePerson       EntityType = "person"
	TypeOrganization EntityType = "organization"
	TypeVessel       EntityType = "vessel"
	TypeAircraft     EntityType = "aircraft"
	TypeUnknown      EntityType = "unknown"
)

// Category says why a list names an entity; it drives the default verdict of
// an address hit.
type Category string

// Categories.
const (
	// CategorySanctions: a government sanctions designation (OFAC SDN, UN).
	CategorySanctions Category = "sanctions"
	// CategoryAttribution: a government or analyst attribution of an address
	// to a threat actor (FBI DPRK lists, TagPacks with actor labels).
	CategoryAttribution Category = "attribution"
	// CategorySeizure: an administrative seizure or freeze order (Israel
	// NBCTF).
	CategorySeizure Category = "seizure"
	// CategoryLabel: an informational label (an exchange's hot wallet, a
	// mixer) that raises review rather than block on its own.
	CategoryLabel Category = "label"
	// CategoryInternal: an address on the user's own list (imported with
	// 'lists update --list ID --kind internal'): the user's reason, not a
	// government's.
	CategoryInternal Category = "internal"
	// CategoryUnknown: the list does not say why it names the entity (a
	// Bulwark CSV without a category column, imported without --kind).
	CategoryUnknown Category = "unknown"
)

// Categories lists every category, in a stable order.
func Categories() []Category {
	return []Category{CategorySanctions, CategoryAttribution, CategorySeizure, CategoryLabel, CategoryInternal, CategoryUnknown}
}

// Confidence is how sure the list is of an attribution.
type Confidence string

// Confidence levels. Government sanctions designations are [ConfidenceHigh].
// A list that does not say how sure it is gets [ConfidenceUnknown], never a
// default level.
const (
	ConfidenceHigh    Confidence = "high"
	ConfidenceMedium  Confidence = "medium"
	ConfidenceLow     Confidence = "low"
	ConfidenceUnknown Confidence = "unknown"
)

// Confidences lists every confidence level, in a stable order.
func Confidences() []Confidence {
	return []Confidence{ConfidenceHigh, ConfidenceMedium, ConfidenceLow, ConfidenceUnknown}
}

// Entity is one listed party with everything a list says about it. Fields a
// list does not carry stay empty.
type Entity struct {
	// ID is unique across all lists: "<list>:<sourceID>", e.g.
	// "ofac-sdn:36216".
	ID string `json:"id"`
	// List is the ID of the list that names the entity.
	List string `json:"list"`
	// SourceID is the entity's identifier inside its list (OFAC ent_num, UN
	// reference number, a TagPack label).
	SourceID string     `json:"sourceId"`
	Type     EntityType `json:"type"`
	Category Category   `json:"category"`
	// Confidence of the attribution; high for sanctions designations,
	// unknown when the list does not say.
	Confidence Confidence `json:"confidence"`
	// Name is the primary name as the list spells it.
	Name string `json:"name"`
	// Aliases are the other names; Weak marks OFAC/UN "weak" or "low
	// quality" AKAs, which score lower.
	Aliases []Alias `json:"aliases,omitempty"`
	// Programs are sanctions programs or attribution tags (e.g. "DPRK3",
	// "CYBER2", "Lazarus Group"), as the list states them; none when it
	// states none (the programme is then unknown).
	Programs []string `json:"programs,omitempty"`
	// Countries are ISO 3166-1 alpha-2 codes of nationality, citizenship or
	// address, upper case.
	Countries []string `json:"countries,omitempty"`
	// DatesOfBirth are "YYYY-MM-DD", "YYYY-MM" or "YYYY"; ranges are
	// expanded to their years.
	DatesOfBirth []string     `json:"datesOfBirth,omitempty"`
	IDs          []Identifier `json:"ids,omitempty"`
	Emails       []string     `json:"emails,omitempty"`
	Phones       []string     `json:"phones,omitempty"`
	// Addresses are the digital currency addresses the list names, as
	// listed (the currency ticker the list used and the address string).
	Addresses []ListedAddress `json:"addresses,omitempty"`
	// Remarks is the list's free-text remark, kept for the analyst.
	Remarks string `json:"remarks,omitempty"`
	// Source is the URL or document the list cites for this entity, when it
	// cites one per entity.
	Source string `json:"source,omitempty"`
	// Listed is the date the list first designated the entity
	// ("YYYY-MM-DD"), when it says (the UK list's "Listed On").
	Listed string `json:"listed,omitempty"`
	// Updated is the date the list last changed the entity's designation
	// ("YYYY-MM-DD"), when it says (the UK list's "Last Updated").
	Updated string `json:"updated,omitempty"`
}

// Alias is another name of an entity.
type Alias struct {
	Name string `json:"name"`
	Weak bool   `json:"weak,omitempty"`
}

// Identifier is an identity document or registration number.
type Identifier struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Country string `json:"country,omitempty"`
}

// ListedAddress is a digital currency address as a list names it.
type ListedAddress struct {
	// Currency is the ticker the list filed the address under ("XBT",
	// "ETH", "USDT"...), upper case; "" when the list gives none.
	Currency string `json:"currency,omitempty"`
	Address  string `json:"address"`
}

// Problem is something wrong in a list file that the importer reported
// instead of silently dropping: a malformed row, an invalid address, an
// orphan alias.
type Problem struct {
	// Place names where: "sdn.csv line 1234", "UN XML INDIVIDUAL
	// QDi.001".
	Place   string `json:"place"`
	Message string `json:"message"`
}

// ListInfo describes one imported version of a list.
type ListInfo struct {
	// ID is the stable list identifier: "ofac-sdn", "un-consolidated",
	// "fbi-dprk", "il-nbctf", "tagpack:<name>", "custom:<name>", or the ID
	// of a user's own list.
	ID string `json:"id"`
	// Name is a human title.
	Name string `json:"name"`
	// Format is the parser used: "ofac-csv", "ofac-xml", "un-xml",
	// "fbi-txt", "bulwark-csv", "tagpack", "il-nbctf-csv", "own".
	Format string `json:"format"`
	// Source is the URL or local path the files came from.
	Source string `json:"source"`
	// Published is the publish date the list states, zero when it states
	// none.
	Published time.Time `json:"published,omitzero"`
	// Imported is when Bulwark imported this version.
	Imported time.Time `json:"imported"`
	// SHA256 is the hex SHA-256 over the source files (name-sorted, each as
	// name, NUL, length, content) so the same files always give the same
	// digest.
	SHA256 string `json:"sha256"`
	// Entities and Addresses count what was imported.
	Entities  int `json:"entities"`
	Addresses int `json:"addresses"`
	// Problems counts entries reported rather than imported.
	Problems int `json:"problems"`
	// ContentSHA256 is, in the versions ListStore.PutLists returns, the
	// hex SHA-256 of the content the store holds for the version, in the
	// form it holds it (for a version stored before and activated again,
	// the content first stored): the lists.import audit entry records it
	// and audit verify recomputes it from the store. Empty elsewhere, and
	// when a store does not say.
	ContentSHA256 string `json:"-"`
}

// List is one parsed list version.
type List struct {
	Info     ListInfo  `json:"info"`
	Entities []Entity  `json:"entities"`
	Problems []Problem `json:"problems,omitempty"`
}
