package evidence

import (
	"strings"
	"testing"
)

func FuzzReadShipments(f *testing.F) {
	addTestdata(f, "shipments.*")
	f.Add([]byte(`{"person":"A","address":"x","shipped_at":"2025-03-04T09:15:00"}`))
	f.Add([]byte("person;address;shipped_at\nA;x;2025-03-04\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadShipments(strings.NewReader(string(data)), "f.csv", Limits{})
		if err != nil {
			checkReadError(t, "f.csv", len(got), err)
			return
		}
		for _, s := range got {
			if s.Person == "" || s.Address == "" || s.Line < 1 {
				t.Errorf("shipment %+v", s)
			}
		}
	})
}
