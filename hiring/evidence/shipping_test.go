package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

func TestReadShipmentsExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "shipments.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadShipments(f, "shipments.csv", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Person != "A-1001" || got[0].Line != 2 || got[1].Carrier != "FedEx" {
		t.Fatalf("got %+v", got)
	}
	if want := time.Date(2025, 3, 4, 15, 15, 0, 0, time.UTC); !got[0].ShippedAt.Equal(want) {
		t.Errorf("shipped_at %v, want %v", got[0].ShippedAt, want)
	}
	// A date alone is midnight UTC.
	if want := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC); !got[1].ShippedAt.Equal(want) || got[1].ShippedAt.Location() != time.UTC {
		t.Errorf("shipped_at %v, want %v", got[1].ShippedAt, want)
	}
}

func TestReadShipmentsJSON(t *testing.T) {
	t.Parallel()
	in := `{"device_serial":"S1","person":"A","address":"1 Main St","shipped_at":"2025-03-04T09:15:00+09:00"}` + "\n" +
		`{"person":"B","address":"2 Main St"}`
	got, err := ReadShipments(strings.NewReader(in), "s.jsonl", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DeviceSerial != "S1" || got[0].ShippedAt.UTC().Hour() != 0 || !got[1].ShippedAt.IsZero() || got[1].Line != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestReadShipmentsBadInput(t *testing.T) {
	t.Parallel()
	const h = "device_serial,person,address,shipped_at,carrier\n"
	for _, tc := range []struct{ name, in, want string }{
		{"zone.csv", h + "S1,A,1 Main St,2025-03-04T09:15:00Z,UPS\nS2,B,2 Main St,2025-03-04T09:15:00,UPS\n",
			"zone.csv: line 3: shipped_at: has no time zone: add Z (UTC) or the offset it was taken in"},
		{"time.csv", h + "S1,A,1 Main St,04/03/2025,UPS\n", "time.csv: line 2: shipped_at: is not a time"},
		{"person.csv", h + "S1,,1 Main St,,UPS\n", "person.csv: line 2: person: missing"},
		{"address.csv", h + "S1,A,,,UPS\n", "address.csv: line 2: address: missing"},
		{"unknown.csv", "device_serial,person,address,notes\n", "unknown.csv: line 1: unknown column \"notes\": the known columns are device_serial, person, address, shipped_at, carrier, destination, ship_to"},
		{"two.csv", "person,address,ship_to\nA,1 Main St,2 Main St\n", "two.csv: line 2: ship_to: a second destination besides address"},
		{"dup.csv", "person,Person,address\n", "dup.csv: line 1: columns \"person\" and \"Person\" both give person"},
		{"count.csv", h + "S1,A,1 Main St\n", "count.csv: line 2: 3 cells where the header has 5"},
		{"utf8.csv", h + "S1,A,1 M\xe4in St,,\n", "utf8.csv: line 2: column 3 (address): invalid UTF-8"},
		{"unknown.jsonl", `{"person":"A","address":"x","notes":3}`, "unknown.jsonl: line 1: unknown column \"notes\""},
		{"two.jsonl", `{"person":"A","destination":"1 Main St","delivery_address":"2 Main St"}`, "two.jsonl: line 1: delivery_address: a second destination besides destination"},
		{"list.jsonl", `{"person":["A","B"],"address":"x"}`, "list.jsonl: line 1: person: a list where one value is expected"},
	} {
		got, err := ReadShipments(strings.NewReader(tc.in), tc.name, Limits{})
		if got != nil {
			t.Errorf("%s: a partial result with the error", tc.name)
		}
		wantErr(t, err, bulwark.EINVALID, tc.want)
	}
}

// TestReadShipmentsCarrierExport: a carrier's export names the destination
// otherwise and carries the parcel's weight, tracking number and service;
// only the destination is the address, whatever the columns' order.
func TestReadShipmentsCarrierExport(t *testing.T) {
	t.Parallel()
	const dest = "4120 Ranch Rd, Unit 5, Austin, TX 78701"
	for _, tc := range []struct{ name, in string }{
		{"ship_to.csv", "person,Weight KG,Ship To,Carrier,Tracking Number,Service\nA-1,2.3,\"" + dest + "\",FedEx,7946 1234 5678,Ground 2\n"},
		{"destination.csv", "Tracking,person,weight_lb,destination,carrier\n1Z999AA10123456784,A-1,5,\"" + dest + "\",FedEx\n"},
		{"address.csv", "person,address,weight,dimensions,carrier\nA-1,\"" + dest + "\",2.3,35x25x5,FedEx\n"},
		{"export.jsonl", `{"person":"A-1","shipping_address":"` + dest + `","weight":2.3,"package_count":1,"carrier":"FedEx","status":"delivered"}`},
	} {
		got, err := ReadShipments(strings.NewReader(tc.in), tc.name, Limits{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != 1 || got[0].Address != dest || got[0].Person != "A-1" || got[0].Carrier != "FedEx" {
			t.Errorf("%s: got %+v, want the destination %q alone", tc.name, got, dest)
		}
	}
}
