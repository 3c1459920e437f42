package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
)

func readInventoryFile(t *testing.T, file string) []hiring.Device {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "inventory", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := ReadInventory(f, file)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestReadInventoryFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file    string
		devices int
	}{
		{"devices.jsonl", 2},
		{"inventory.csv", 3},
		{"osquery.json", 2},
		{"osqueryd.jsonl", 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			ds := readInventoryFile(t, tc.file)
			if len(ds) != tc.devices {
				t.Fatalf("%d devices, want %d", len(ds), tc.devices)
			}
			out := make([]lined[hiring.Device], len(ds))
			for i, d := range ds {
				out[i] = lined[hiring.Device]{d.Line, d}
			}
			golden(t, "inventory_"+strings.ReplaceAll(tc.file, ".", "_")+".json", out)
		})
	}
}

func TestReadInventoryShapes(t *testing.T) {
	t.Parallel()
	// Every form of the IP-KVM's USB ids reads as 1d6b:0104.
	for _, file := range []string{"devices.jsonl", "inventory.csv", "osquery.json", "osqueryd.jsonl"} {
		found := false
		for _, d := range readInventoryFile(t, file) {
			for _, u := range d.USB {
				if u.VendorID == "1d6b" && u.ProductID == "0104" {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no USB device 1d6b:0104", file)
		}
	}
	// osquery: the system_info result names the device of the arrays
	// after it; a row's own hardware_serial names another.
	ds := readInventoryFile(t, "osquery.json")
	if ds[0].Serial != "PF3KQ9ZL" || ds[0].Hostname != "tp-ben" || len(ds[0].Software) != 2 || len(ds[0].USB) != 2 {
		t.Errorf("first device %+v", ds[0])
	}
	if u := ds[0].USB[1]; u.VendorID != "046d" || u.ProductID != "c52b" {
		t.Errorf("short vendor id not padded: %+v", u)
	}
	if ds[1].Serial != "C02XK1ABJG5H" || len(ds[1].Software) != 1 || ds[1].Software[0].Version != "1.2.7" {
		t.Errorf("second device %+v", ds[1])
	}
	// osqueryd: removed rows are skipped.
	ds = readInventoryFile(t, "osqueryd.jsonl")
	if len(ds[0].Software) != 1 || ds[0].Software[0].Name != "rustdesk" || ds[0].Hostname != "build-box-7" {
		t.Errorf("osqueryd device %+v", ds[0])
	}
	// CSV: a device's rows may be apart.
	ds = readInventoryFile(t, "inventory.csv")
	if len(ds[0].Software) != 2 || ds[0].Line != 2 || len(ds[1].Displays) != 1 || ds[2].Hostname != "lt-chris" {
		t.Errorf("CSV devices %+v", ds)
	}
}

func TestNormUSBID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1d6b": "1d6b", "0x1D6B": "1d6b", "VID_1D6B": "1d6b", "PID_0104": "0104", "5ac": "05ac",
		"0x05ac  (Apple Inc.)": "05ac", "": "", "0": "0000",
	} {
		got, err := NormUSBID(in)
		if err != nil || got != want {
			t.Errorf("NormUSBID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"12345", "xyz", "0x", "-1", "1d 6b"} {
		if got, err := NormUSBID(in); err == nil && in != "1d 6b" {
			t.Errorf("NormUSBID(%q) = %q, want an error", in, got)
		}
	}
}

func TestReadInventoryErrors(t *testing.T) {
	t.Parallel()
	head := "serial,hostname,user,item_type,name,version,publisher,path,vendor_id,product_id,manufacturer,product,usb_serial\n"
	cases := []errCase{
		{"empty", "", "", []string{"f: is empty", "osquery"}},
		{"no serial column", "host,name\nx,y\n", "", []string{"f: is not an inventory", "long CSV"}},
		{"unknown column", "serial,colour\n", "", []string{"f: line 1: header: unknown column \"colour\""}},
		{"columns", head + "S1,h,u,software,Chrome\n", "", []string{"f: line 2: columns:"}},
		{"no serial", head + ",h,u,software,Chrome,,,,,,,,\n", "", []string{"f: line 2: serial: is empty"}},
		{"item type", head + "S1,h,u,firmware,x,,,,,,,,\n", "", []string{"f: line 2: item_type:", "software, usb or display"}},
		{"bad usb id", head + "S1,h,u,usb,,,,,1d6b,01044,,,\n", "", []string{"f: line 2: product_id:", "not a USB id"}},
		{"empty usb", head + "S1,h,u,usb,,,,,,,,,\n", "", []string{"f: line 2: vendor_id: is empty"}},
		{"hostname conflict", head + "S1,h1,u,,,,,,,,,,\nS1,h2,u,,,,,,,,,,\n", "", []string{"f: line 3: hostname:", "differs"}},
		{"duplicate device", `{"serial":"S1"}` + "\n" + `{"serial":"S1"}`, "", []string{"f: line 2: serial:", "line 1"}},
		{"json usb id", `{"serial":"S1","usb":[{"vendor_id":"zz","product_id":"0104"}]}`, "", []string{"f: line 1: usb[0].vendor_id:"}},
		{"json type", `{"serial":"S1","software":"AnyDesk"}`, "", []string{"f: line 1: software: is a JSON string, want an array"}},
		{"osquery no device", `[{"name":"AnyDesk","version":"8","publisher":"x","install_location":"C:\\x"}]`, "", []string{"f: line 1: hardware_serial:", "system_info"}},
		{"osquery unknown row", `[{"hardware_serial":"S1","colour":"red"}]`, "", []string{"f: line 1: record: is not an osquery row"}},
		{"osquery nested", `[{"hardware_serial":"S1","name":{"x":1}}]`, "", []string{"f: line 1: name: is an object"}},
		{"not utf-8", head + "S1,h\xff,u,,,,,,,,,,\n", "", []string{"f: line 2: encoding:"}},
	}
	runErrCases(t, cases, func(data []byte) (int, error) {
		ds, err := ReadInventory(bytes.NewReader(data), "f")
		return len(ds), err
	})
}

// TestReadInventoryDeviceIdentity: a row lands on the device it names,
// never on another one. Placeholder serials from the firmware ("To Be
// Filled By O.E.M.") name no device, and an osquery row whose
// hardware_serial is empty does not fall back to the device of an
// earlier system_info result.
func TestReadInventoryDeviceIdentity(t *testing.T) {
	t.Parallel()
	osqd := func(host, serial, name string) string {
		return `{"name":"programs","hostIdentifier":"` + host + `","action":"added","decorations":{"hardware_serial":"` + serial +
			`","hostname":"` + host + `"},"columns":{"name":"` + name + `","install_location":"C:\\Program Files\\` + name + `"}}` + "\n"
	}
	head := "serial,hostname,user,item_type,name\n"
	runErrCases(t, []errCase{
		{"osqueryd hostname conflict", osqd("alice-pc", "S1", "Slack") + osqd("bob-pc", "S1", "AnyDesk"), "",
			[]string{"f: line 2: hostname: differs from the hostname given before for the device first seen on line 1"}},
		{"osquery empty serial", `[{"hardware_serial":"SERIAL-A","computer_name":"alice-mbp","cpu_brand":"Apple M2","uuid":"U-A","hostname":"alice-mbp"}]` + "\n" +
			`[{"hardware_serial":"","name":"AnyDesk","install_location":"C:\\x"}]`, "",
			[]string{"f: line 2: hardware_serial: is empty"}},
		{"osquery placeholder", `[{"hardware_serial":"To Be Filled By O.E.M.","name":"AnyDesk"}]`, "",
			[]string{"f: line 1: hardware_serial: is a placeholder"}},
		{"csv placeholder", head + "Default string,h,u,software,AnyDesk\n", "", []string{"f: line 2: serial: is a placeholder"}},
		{"json placeholder", `{"serial":"System Serial Number"}`, "", []string{"f: line 1: serial: is a placeholder"}},
		{"json hostname conflict", osqd("alice-pc", "S1", "Slack") + `{"serial":"S1","hostname":"bob-pc"}`, "",
			[]string{"f: line 2: hostname: differs"}},
		{"osqueryd no rows", `{"name":"programs","hostIdentifier":"h","decorations":{"hardware_serial":"S1"}}`, "",
			[]string{"f: line 1: record: has no columns, snapshot or diffResults"}},
		{"long path", head + "S1,h,u,software,\"" + strings.Repeat("x", maxItemText+1) + "\"\n", "",
			[]string{"f: line 2: name: is over", "32 KiB"}},
	}, func(data []byte) (int, error) {
		ds, err := ReadInventory(bytes.NewReader(data), "f")
		return len(ds), err
	})

	// osqueryd: a placeholder serial names no device, so the host
	// identifier does (as when the decoration is absent).
	ds, err := ReadInventory(strings.NewReader(osqd("alice-pc", "To Be Filled By O.E.M.", "Slack")+osqd("bob-pc", "To Be Filled By O.E.M.", "AnyDesk")), "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Serial != "alice-pc" || ds[1].Serial != "bob-pc" || len(ds[1].Software) != 1 {
		t.Errorf("placeholder serials merged two hosts: %+v", ds)
	}
	// osqueryd batch format (--logger_event_type=false): diffResults.added
	// rows are read, removed ones skipped.
	batch := `{"name":"programs","hostIdentifier":"bob-pc","decorations":{"hardware_serial":"S2"},"diffResults":{"added":[{"name":"AnyDesk","install_location":"C:\\AnyDesk"}],"removed":[{"name":"Zoom"}]}}`
	ds, err = ReadInventory(strings.NewReader(batch), "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Serial != "S2" || len(ds[0].Software) != 1 || ds[0].Software[0].Name != "AnyDesk" {
		t.Errorf("batch format: %+v", ds)
	}
}
