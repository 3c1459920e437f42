package screening

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"sync"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/chainaddr"
)

// Stored decision bodies. A decision is stored as what a replay and an
// auditor need: the decision (id, use, subject, list versions, algorithm,
// rules digest, verdict), every input, and every result that says more
// than "valid address, no match" in full. A result that says only that is
// stored as its input (and chain hint): the rest of it (the canonical
// address, chain and format) is what parsing the input gives, and is
// filled in again when the decision is read. A body above packThreshold
// bytes is gzip-compressed. A 10,000-address batch of unlisted addresses
// so shrinks from about 4.6 MB of JSON to about 240 kB.

// packThreshold is the size of JSON above which a stored body is
// compressed. A name decision with the default limit (1.5 to 4.5 kB with
// its matches' explanations) stays plain: compressing it cost about a
// fifth of a name request's CPU, and saved 0.6 to 3.1 kB of disk per
// decision (1.7 kB on average for the one-typo names of
// scripts/loadtest.sh: 2,721 bytes plain, 1,013 compressed), less in a
// batch row, which cuts the opening and list versions out of a plain
// body, not a compressed one.
const packThreshold = 8 << 10

// packedPrefix starts the JSON of a packed address decision.
var packedPrefix = []byte(`{"packed":1,`)

// gzipMagic starts a gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// packedAddressDecision is an address decision as stored.
type packedAddressDecision struct {
	Packed int `json:"packed"` // first: DecodeDecision looks for it
	Decision
	// Plain is the verdict of every result stored as its input only.
	Plain   bulwark.Verdict `json:"plain,omitempty"`
	Results []packedResult  `json:"results"`
}

// packedResult is one input, with its full result unless plain.
type packedResult struct {
	Input string         `json:"i"`
	Hint  string         `json:"h,omitempty"`
	Full  *AddressResult `json:"r,omitempty"`
}

// plainResult reports whether r says only "valid address, no match" with
// verdict v.
func plainResult(r *AddressResult, v bulwark.Verdict) bool {
	return len(r.Matches) == 0 && r.Error == "" && r.Note == "" && r.Address != "" && r.Verdict == v
}

func packAddress(d *AddressDecision) *packedAddressDecision {
	p := new(packedAddressDecision)
	packAddressInto(p, d, make([]packedResult, len(d.Results)))
	return p
}

// packAddressInto packs d into p, its results into results (of d's
// length).
func packAddressInto(p *packedAddressDecision, d *AddressDecision, results []packedResult) {
	*p = packedAddressDecision{Packed: 1, Decision: d.Decision, Results: results}
	p.Stored = nil
	for i := range d.Results {
		r := &d.Results[i]
		if p.Plain == "" && len(r.Matches) == 0 && r.Error == "" && r.Note == "" && r.Address != "" {
			p.Plain = r.Verdict
		}
		p.Results[i] = packedResult{Input: r.Input, Hint: r.Hint}
		if !plainResult(r, p.Plain) {
			full := *r
			if full.DecisionID == d.ID {
				full.DecisionID = ""
			}
			p.Results[i].Full = &full
		}
	}
}

func (p *packedAddressDecision) unpack() (*AddressDecision, error) {
	d := &AddressDecision{Decision: p.Decision, Results: make([]AddressResult, len(p.Results))}
	for i, x := range p.Results {
		if x.Full != nil {
			r := *x.Full
			r.Input, r.Hint = x.Input, x.Hint
			if r.DecisionID == "" {
				r.DecisionID = d.ID
			}
			if r.Matches == nil {
				r.Matches = []AddressMatch{}
			}
			d.Results[i] = r
			continue
		}
		a, err := chainaddr.Parse(x.Input, x.Hint)
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s: stored input %d no longer parses as it did when screened: %v", d.ID, i, bulwark.ErrorMessage(err))
		}
		d.Results[i] = AddressResult{Input: x.Input, Hint: x.Hint, Address: a.Address, Chain: a.Chain, Format: a.Format,
			Verdict: p.Plain, Matches: []AddressMatch{}, DecisionID: d.ID, Key: a.Key}
	}
	return d, nil
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// EncodeDecision returns the body a store keeps for a decision (an
// *AddressDecision, *NameDecision or any other JSON value): compact, and
// compressed when large. DecodeDecision turns it back into the decision
// as answered (without the answer's "stored" mark).
func EncodeDecision(v any) ([]byte, error) {
	if d, ok := v.(*AddressDecision); ok {
		return encodeAddressDecision(d, make([]byte, 0, 1024), nil)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	return packJSON(js)
}

// encodeAddressDecision is EncodeDecision of d, its JSON appended to b
// (grown if d needs more). fields, when not nil, are the members of
// d.Decision as appendDecisionFields encodes them with Stored nil, which
// the stored body then copies rather than encoding them again.
func encodeAddressDecision(d *AddressDecision, b, fields []byte) ([]byte, error) {
	var p packedAddressDecision
	var one [1]packedResult // a single address's, without a make
	results := one[:]
	if len(d.Results) != 1 {
		results = make([]packedResult, len(d.Results))
	}
	packAddressInto(&p, d, results)
	js, err := appendPackedJSONFields(b, &p, fields)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	return packJSON(js)
}

// packJSON returns the stored body of decision JSON js: js itself when
// small, else compressed.
func packJSON(js []byte) ([]byte, error) {
	if len(js) <= packThreshold {
		return js, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(js) / 4)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, err := zw.Write(js)
	if err == nil {
		err = zw.Close()
	}
	zw.Reset(nil)
	gzipWriters.Put(zw)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "compress decision")
	}
	return buf.Bytes(), nil
}

// maxDecisionJSON bounds a decompressed stored body (a full batch of the
// longest inputs with matches is far below it).
const maxDecisionJSON = 256 << 20

// DecodeDecision returns the decision JSON as answered from a stored body:
// one EncodeDecision made, or one stored as plain JSON (bodies of older
// versions, and small ones), which it returns unchanged.
func DecodeDecision(body []byte) ([]byte, error) {
	js := body
	if bytes.HasPrefix(body, gzipMagic) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "a stored decision is corrupt: %v", err)
		}
		if js, err = io.ReadAll(io.LimitReader(zr, maxDecisionJSON+1)); err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "a stored decision is corrupt: %v", err)
		}
		if len(js) > maxDecisionJSON {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "a stored decision decompresses to more than %d bytes", maxDecisionJSON)
		}
	}
	if !bytes.HasPrefix(js, packedPrefix) {
		return js, nil
	}
	var p packedAddressDecision
	if err := json.Unmarshal(js, &p); err != nil {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "a stored decision is malformed: %v", err)
	}
	d, err := p.unpack()
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(d)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	return out, nil
}
