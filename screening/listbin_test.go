package screening

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// filled sets every field of the value v points to, recursively: strings
// to a text naming the field (with a sequence number), bools to true and
// slices to two elements, so that a field the binary form forgets shows
// as a difference.
func filled(v reflect.Value, name string, seq *int) {
	switch v.Kind() {
	case reflect.String:
		*seq++
		v.SetString(fmt.Sprintf("%s %d \"é\"\n", name, *seq))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			filled(v.Field(i), name+"."+v.Type().Field(i).Name, seq)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			filled(v.Index(i), name, seq)
		}
	default:
		panic("filled: a field of kind " + v.Kind().String() + " at " + name + ": teach AppendListBinary and this test about it")
	}
}

// binaryLists are lists whose entities and problems have every field set,
// none set, and a mix; and lists without entities.
func binaryLists() map[string]*List {
	seq := 0
	var full List
	filled(reflect.ValueOf(&full.Entities).Elem(), "entity", &seq)
	filled(reflect.ValueOf(&full.Problems).Elem(), "problem", &seq)
	mixed := List{Entities: []Entity{{ID: "x:1", Name: "ONE"}, full.Entities[0], {ID: "x:2", Aliases: []Alias{{Name: "A"}}, Addresses: []ListedAddress{{Address: "0xAA"}}}},
		Problems: []Problem{{}}}
	return map[string]*List{
		"every field":  &full,
		"empty fields": {Entities: []Entity{{}, {}}},
		"mixed":        &mixed,
		"no entities":  {Entities: []Entity{}},
		"nil entities": {},
	}
}

// TestListBinaryRoundTrip: the binary form decodes to the entities and
// problems it was made from, every field of them (a field added to Entity
// and not to AppendListBinary fails here), and to what decoding the
// stored JSON gives.
func TestListBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	for name, l := range binaryLists() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := AppendListBinary(nil, l)
			var got List
			if err := DecodeListBinary(&got, bin); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Entities, l.Entities) || !reflect.DeepEqual(got.Problems, l.Problems) {
				t.Fatalf("decoded\n%#v\n%#v\nwant\n%#v\n%#v", got.Entities, got.Problems, l.Entities, l.Problems)
			}
			l.Info.Entities = len(l.Entities)
			blob, err := EncodeListContent(l)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON := List{Info: l.Info}
			if err := DecodeListContent(&fromJSON, blob); err != nil {
				t.Fatal(err)
			}
			var again List
			if err := DecodeListBinary(&again, AppendListBinary(nil, &fromJSON)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again.Entities, fromJSON.Entities) || !reflect.DeepEqual(again.Problems, fromJSON.Problems) {
				t.Fatalf("binary form of the JSON-decoded list decoded to\n%#v\nwant\n%#v", again.Entities, fromJSON.Entities)
			}
		})
	}
}

// TestListBinaryAppendKeepsNeighbours: an entity's slices share backing
// arrays with the others' but appending to one never changes the next.
func TestListBinaryAppendKeepsNeighbours(t *testing.T) {
	t.Parallel()
	l := &List{Entities: []Entity{{Programs: []string{"A"}, Countries: []string{"KP"}}, {Programs: []string{"B"}}}}
	var got List
	if err := DecodeListBinary(&got, AppendListBinary(nil, l)); err != nil {
		t.Fatal(err)
	}
	_ = append(got.Entities[0].Programs, "X")
	if got.Entities[0].Countries[0] != "KP" || got.Entities[1].Programs[0] != "B" {
		t.Fatalf("appending to the first entity's programs changed %v, %v", got.Entities[0].Countries, got.Entities[1].Programs)
	}
}

// TestListBinaryMalformed: every truncation of a valid form, and the form
// with a byte appended, is an error.
func TestListBinaryMalformed(t *testing.T) {
	t.Parallel()
	bin := AppendListBinary(nil, binaryLists()["mixed"])
	for n := range len(bin) {
		var l List
		if err := DecodeListBinary(&l, bin[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without error", n, len(bin))
		}
	}
	var l List
	if err := DecodeListBinary(&l, append(bin, 0)); err == nil {
		t.Fatal("a trailing byte decoded without error")
	}
}

// FuzzDecodeListBinary: any input decodes without panicking, to an error
// or to entities whose binary form decodes to the same entities.
func FuzzDecodeListBinary(f *testing.F) {
	for _, l := range binaryLists() {
		f.Add(AppendListBinary(nil, l))
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		var l List
		if err := DecodeListBinary(&l, data); err != nil {
			return
		}
		var again List
		if err := DecodeListBinary(&again, AppendListBinary(nil, &l)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again.Entities, l.Entities) || !reflect.DeepEqual(again.Problems, l.Problems) {
			t.Fatalf("re-encoded form decoded to\n%#v\nwant\n%#v", again, l)
		}
		if _, err := json.Marshal(l.Entities); err != nil {
			t.Fatal(err)
		}
	})
}

// stringLeaves returns every string field of the value v points to,
// recursively.
func stringLeaves(v reflect.Value) []reflect.Value {
	switch v.Kind() {
	case reflect.String:
		return []reflect.Value{v}
	case reflect.Struct:
		var out []reflect.Value
		for i := 0; i < v.NumField(); i++ {
			out = append(out, stringLeaves(v.Field(i))...)
		}
		return out
	case reflect.Slice:
		var out []reflect.Value
		for i := 0; i < v.Len(); i++ {
			out = append(out, stringLeaves(v.Index(i))...)
		}
		return out
	}
	return nil
}

// TestListJSONExact: a list is exact, its stored JSON decoding to its
// binary form's entities, unless one of its strings (any of them) is not
// UTF-8.
func TestListJSONExact(t *testing.T) {
	t.Parallel()
	for name, l := range binaryLists() {
		if !ListJSONExact(l) {
			t.Errorf("%s: not exact", name)
		}
		l.Info.Entities = len(l.Entities)
		blob, err := EncodeListContent(l)
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, fromBinary := List{Info: l.Info}, List{}
		if err := DecodeListContent(&fromJSON, blob); err != nil {
			t.Fatal(err)
		}
		if err := DecodeListBinary(&fromBinary, AppendListBinary(nil, l)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromJSON.Entities, fromBinary.Entities) || !reflect.DeepEqual(fromJSON.Problems, fromBinary.Problems) {
			t.Errorf("%s: the stored JSON decodes to\n%#v\nthe binary form to\n%#v", name, fromJSON, fromBinary)
		}
	}
	// Every string that is stored, one at a time.
	leaves := func(l *List) []reflect.Value {
		return append(stringLeaves(reflect.ValueOf(&l.Entities).Elem()), stringLeaves(reflect.ValueOf(&l.Problems).Elem())...)
	}
	n := len(leaves(binaryLists()["every field"]))
	for i := range n {
		l := binaryLists()["every field"]
		leaves(l)[i].SetString("bad \xff")
		if ListJSONExact(l) {
			t.Errorf("string %d of %d set to invalid UTF-8: ListJSONExact says exact", i, n)
		}
	}
}
