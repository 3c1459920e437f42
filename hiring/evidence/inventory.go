package evidence

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// inventoryFormats lists the inventory formats ReadInventory recognises.
const inventoryFormats = "JSON (an array or JSON lines of devices: serial, hostname, user, software[], usb[], displays[]), " +
	"the long CSV (serial, hostname, user, item_type, name, version, publisher, path, vendor_id, product_id, manufacturer, product, usb_serial), " +
	"or osquery results (osqueryi --json arrays of system_info, programs, apps, deb_packages, rpm_packages, processes or usb_devices rows, " +
	"or osqueryd result log lines)"

// ReadInventory reads an endpoint inventory (an EDR or MDM export): the
// devices with their software, USB devices and displays. It recognises by
// content:
//
//   - JSON: an array, or JSON lines, of devices as hiring.Device encodes
//     them: {"serial", "hostname", "user", "software": [{"name",
//     "version", "publisher", "path"}], "usb": [{"vendor_id",
//     "product_id", "manufacturer", "product", "serial"}], "displays":
//     [{"name", "manufacturer"}]}. A serial may appear once.
//   - CSV in long form, one row per device and item: serial, hostname,
//     user, item_type (software, usb or display; empty for a device
//     without items), name, version, publisher, path, vendor_id,
//     product_id, manufacturer, product, usb_serial. A device's rows may
//     be anywhere in the file; its hostname and user must agree.
//   - osquery results as `osqueryi --json` prints them: one JSON array of
//     rows per query, several arrays one after another. A row names its
//     device by a hardware_serial column (SELECT (SELECT hardware_serial
//     FROM system_info) AS hardware_serial, * FROM programs), or a
//     `SELECT * FROM system_info` result comes first and names the device
//     for the rows after it. Tables recognised by their columns:
//     programs (name, version, publisher, install_location), apps (name,
//     path, bundle_short_version), deb_packages and rpm_packages (name,
//     version, maintainer or vendor), processes (pid, name, path) and
//     usb_devices (vendor_id, model_id, vendor, model, serial).
//   - osqueryd result log lines ({"name", "hostIdentifier", "decorations",
//     "columns", "action"}, {"snapshot": […]} or, in the batch format,
//     {"diffResults": {"added": […], "removed": […]}}); the device is
//     decorations.hardware_serial, else the hostIdentifier; "removed" rows
//     are skipped.
//
// A serial that firmware leaves as a placeholder ("To Be Filled By
// O.E.M.", "Default string", "System Serial Number", "0" …) names no
// machine: it is refused, except in an osqueryd line, where the host
// identifier names the device instead. A device has one hostname and one
// user whatever the format; a row giving another is refused, as is an
// osquery row whose hardware_serial is empty. A software name or path over
// 32 KiB is refused.
//
// USB vendor and product ids are normalised to four lower-case hex digits
// ("0x1D6B", "VID_1D6B", "1d6b" → "1d6b"). Devices come back in the order
// of their first appearance; Line is that line. The file is within the
// default Limits; all or nothing.
func ReadInventory(r io.Reader, name string) ([]hiring.Device, error) {
	return ReadInventoryLimits(r, name, Limits{})
}

// ReadInventoryLimits is ReadInventory with other limits (a zero field
// takes its default).
func ReadInventoryLimits(r io.Reader, name string, lim Limits) ([]hiring.Device, error) {
	out, _, err := ReadInventoryNotes(r, name, lim)
	return out, err
}

// ReadInventoryNotes is ReadInventoryLimits that also returns notices, a
// sentence each, of what it skipped: the rows of osqueryd result lines
// that report a removal (the inventory is what is present). Notices hold
// counts and reasons, never a value of a data row; nil when there is
// nothing to say. With an error there are neither devices nor notices.
func ReadInventoryNotes(r io.Reader, name string, lim Limits) ([]hiring.Device, []string, error) {
	lim = lim.withDefaults()
	br, first, err := openEvidence(r, name, lim)
	if err != nil {
		return nil, nil, err
	}
	inv := &inventory{name: name, lim: lim, index: map[string]int{}}
	switch first {
	case 0:
		return nil, nil, fileError(name, "is empty: expected %s", inventoryFormats)
	case '[', '{':
		err = inv.readJSON(br)
	default:
		err = inv.readCSV(br)
	}
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	if inv.removed > 0 {
		notes = append(notes, count(inv.removed)+" osqueryd row"+plural(inv.removed)+" reporting a removal "+were(inv.removed)+
			" skipped: a program or USB device seen on a machine stays in its inventory after it is removed")
	}
	return inv.devices, notes, nil
}

// inventory collects devices by serial.
type inventory struct {
	name    string
	lim     Limits
	devices []hiring.Device
	index   map[string]int
	// whole marks serials read as whole device objects (which may not
	// repeat).
	whole map[string]int
	// cur is the device an osquery system_info row named.
	cur, curHost string
	// removed counts the osqueryd rows of removals skipped.
	removed int
}

// device returns the device with serial, adding it at line.
func (inv *inventory) device(serial string, line int) *hiring.Device {
	if i, ok := inv.index[serial]; ok {
		return &inv.devices[i]
	}
	inv.index[serial] = len(inv.devices)
	inv.devices = append(inv.devices, hiring.Device{Serial: serial, Line: line})
	return &inv.devices[len(inv.devices)-1]
}

// setOnce sets *dst, a field of d, to v, refusing a different value given
// before. The message names neither value: hostnames and users are
// personal data.
func (inv *inventory) setOnce(d *hiring.Device, dst *string, v string, line int, field string) error {
	if v == "" {
		return nil
	}
	if *dst != "" && *dst != v {
		return lineError(inv.name, line, field, "differs from the %s given before for the device first seen on line %d: a device has one %s; "+
			"if these are two devices, their serial numbers must differ", field, d.Line, field)
	}
	*dst = v
	return nil
}

// maxItemText bounds a software row's name and path, in bytes: no
// operating system's path is longer than 32 KiB, and the tool catalogue
// matches every path.
const maxItemText = 32 << 10

// addSoftware checks sw's lengths and adds it to d.
func (inv *inventory) addSoftware(d *hiring.Device, sw hiring.Software, line int, nameField, pathField string) error {
	if len(sw.Name) > maxItemText {
		return lineError(inv.name, line, nameField, "is over %s: a program's name is shorter", sizeText(maxItemText))
	}
	if len(sw.Path) > maxItemText {
		return lineError(inv.name, line, pathField, "is over %s: no operating system's path is longer", sizeText(maxItemText))
	}
	d.Software = append(d.Software, sw)
	return nil
}

// placeholderSerials are the values firmware leaves in the serial number
// field of whitebox PCs and virtual machines, folded by placeholderSerial:
// shared by many machines, they name none.
var placeholderSerials = map[string]bool{
	"to be filled by o.e.m.": true, "to be filled by oem": true, "default string": true,
	"system serial number": true, "not specified": true, "not applicable": true, "none": true,
	"0": true, "00000000": true, "0000000000": true, "000000000000": true, "0123456789": true,
	"123456789": true, "1234567890": true, "n/a": true, "na": true, "unknown": true,
	"invalid": true, "oem": true, "serial": true, "chassis serial number": true,
	"base board serial number": true, "xxxxxxxxxxxx": true, "-": true, "null": true,
}

// placeholderSerial reports whether s is a firmware placeholder, not a
// serial number.
func placeholderSerial(s string) bool {
	return placeholderSerials[strings.ToLower(strings.TrimSpace(s))]
}

// placeholderMsg is the error text of a placeholder serial.
const placeholderMsg = "is a placeholder the firmware left (such as \"To Be Filled By O.E.M.\"), not a serial number: " +
	"many machines share it, so it cannot name one; give the machine's real serial or its hardware UUID"

var inventoryColumns = []string{"serial", "hostname", "user", "item_type", "name", "version", "publisher", "path",
	"vendor_id", "product_id", "manufacturer", "product", "usb_serial"}

func (inv *inventory) readCSV(br *bufio.Reader) error {
	t, err := newCSVTable(br, inv.name, inv.lim)
	if err != nil {
		return err
	}
	if err := t.useColumnKeys(); err != nil {
		return err
	}
	if !t.has("serial") {
		return fileError(inv.name, "is not an inventory Bulwark recognises (no serial column): expected %s", inventoryFormats)
	}
	if u := t.unknown(inventoryColumns); u != "" {
		return lineError(inv.name, 1, "header", "unknown column %q: the inventory CSV has the columns %s", u, strings.Join(inventoryColumns, ", "))
	}
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		serial := t.cell(rec, "serial")
		if serial == "" {
			return lineError(inv.name, line, "serial", "is empty: every row names its device's serial number")
		}
		if placeholderSerial(serial) {
			return lineError(inv.name, line, "serial", placeholderMsg)
		}
		d := inv.device(serial, line)
		if err := inv.setOnce(d, &d.Hostname, t.cell(rec, "hostname"), line, "hostname"); err != nil {
			return err
		}
		if err := inv.setOnce(d, &d.User, t.cell(rec, "user"), line, "user"); err != nil {
			return err
		}
		switch typ := strings.ToLower(t.cell(rec, "item_type")); typ {
		case "":
		case "software", "process":
			sw := hiring.Software{Name: t.cell(rec, "name"), Version: t.cell(rec, "version"),
				Publisher: t.cell(rec, "publisher"), Path: t.cell(rec, "path")}
			if sw.Name == "" && sw.Path == "" {
				return lineError(inv.name, line, "name", "is empty: a software row names the program (or its path)")
			}
			if err := inv.addSoftware(d, sw, line, "name", "path"); err != nil {
				return err
			}
		case "usb":
			u, err := usbDevice(inv.name, line, t.cell(rec, "vendor_id"), t.cell(rec, "product_id"),
				t.cell(rec, "manufacturer"), t.cell(rec, "product"), t.cell(rec, "usb_serial"), "vendor_id", "product_id")
			if err != nil {
				return err
			}
			d.USB = append(d.USB, u)
		case "display":
			di := hiring.DisplayInfo{Name: firstNonEmpty(t.cell(rec, "product"), t.cell(rec, "name")), Manufacturer: t.cell(rec, "manufacturer")}
			if di.Name == "" && di.Manufacturer == "" {
				return lineError(inv.name, line, "name", "is empty: a display row names the monitor (name) or its manufacturer")
			}
			d.Displays = append(d.Displays, di)
		default:
			return lineError(inv.name, line, "item_type", "is not software, usb or display")
		}
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// usbDevice checks and normalises a USB device's ids.
func usbDevice(name string, line int, vid, pid, mfr, product, serial, vidField, pidField string) (hiring.USBDevice, error) {
	u := hiring.USBDevice{Manufacturer: mfr, Product: product, Serial: serial}
	var err error
	if u.VendorID, err = normUSBID(vid); err != nil {
		return u, lineError(name, line, vidField, "%s", msg(err))
	}
	if u.ProductID, err = normUSBID(pid); err != nil {
		return u, lineError(name, line, pidField, "%s", msg(err))
	}
	if u.VendorID == "" && u.ProductID == "" && mfr == "" && product == "" {
		return u, lineError(name, line, vidField, "is empty: a USB row gives the vendor and product ids or names")
	}
	return u, nil
}

// NormUSBID normalises a USB vendor or product id to four lower-case hex
// digits: "0x1D6B", "VID_1D6B", "PID_0104", "1d6b", "0x05ac  (Apple
// Inc.)" and "5ac" are accepted; "" stays "".
func NormUSBID(s string) (string, error) { return normUSBID(s) }

func normUSBID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t := s
	if i := strings.IndexAny(t, " \t("); i > 0 {
		t = t[:i] // "0x05ac  (Apple Inc.)" as macOS system_profiler prints it
	}
	lt := strings.ToLower(t)
	for _, p := range []string{"0x", "vid_", "pid_", "vid:", "pid:"} {
		if strings.HasPrefix(lt, p) {
			lt = lt[len(p):]
			break
		}
	}
	if lt == "" || len(lt) > 4 {
		return "", bulwark.Errorf(bulwark.EINVALID, "is not a USB id (four hex digits such as 1d6b)")
	}
	if _, err := strconv.ParseUint(lt, 16, 16); err != nil {
		return "", bulwark.Errorf(bulwark.EINVALID, "is not a USB id (four hex digits such as 1d6b)")
	}
	return strings.Repeat("0", 4-len(lt)) + lt, nil
}

// jsonDevice is a device as hiring.Device encodes it.
type jsonDevice struct {
	Serial   string `json:"serial"`
	Hostname string `json:"hostname"`
	User     string `json:"user"`
	Software []struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Publisher string `json:"publisher"`
		Path      string `json:"path"`
	} `json:"software"`
	USB []struct {
		VendorID     string `json:"vendor_id"`
		ProductID    string `json:"product_id"`
		Manufacturer string `json:"manufacturer"`
		Product      string `json:"product"`
		Serial       string `json:"serial"`
	} `json:"usb"`
	Displays []hiring.DisplayInfo `json:"displays"`
}

var deviceKeys = map[string]bool{"serial": true, "hostname": true, "user": true, "software": true, "usb": true, "displays": true}

func (inv *inventory) readJSON(br *bufio.Reader) error {
	return eachJSON(br, inv.name, inv.lim, func(rec jsonRecord) error {
		var keys map[string]json.RawMessage
		if err := unmarshalRecord(rec, inv.name, &keys); err != nil {
			return err
		}
		isDevice := len(keys) > 0
		for k := range keys {
			if !deviceKeys[k] {
				isDevice = false
				break
			}
		}
		switch {
		case isDevice:
			return inv.jsonDevice(rec)
		case keys["hostIdentifier"] != nil || keys["snapshot"] != nil || keys["columns"] != nil:
			return inv.osquerydLine(rec, keys)
		}
		row, err := osqueryRow(inv.name, rec.line, keys)
		if err != nil {
			return err
		}
		return inv.osqueryRow(rec.line, row, "", "")
	})
}

func (inv *inventory) jsonDevice(rec jsonRecord) error {
	var jd jsonDevice
	if err := unmarshalRecord(rec, inv.name, &jd); err != nil {
		return err
	}
	serial := strings.TrimSpace(jd.Serial)
	if serial == "" {
		return lineError(inv.name, rec.line, "serial", "is empty: every device names its serial number")
	}
	if placeholderSerial(serial) {
		return lineError(inv.name, rec.line, "serial", placeholderMsg)
	}
	if inv.whole == nil {
		inv.whole = map[string]int{}
	}
	if l, dup := inv.whole[serial]; dup {
		return lineError(inv.name, rec.line, "serial", "is also the serial of the device on line %d: give each device once", l)
	}
	inv.whole[serial] = rec.line
	d := inv.device(serial, rec.line)
	if err := inv.setOnce(d, &d.Hostname, strings.TrimSpace(jd.Hostname), rec.line, "hostname"); err != nil {
		return err
	}
	if err := inv.setOnce(d, &d.User, strings.TrimSpace(jd.User), rec.line, "user"); err != nil {
		return err
	}
	for i, s := range jd.Software {
		f := "software[" + strconv.Itoa(i) + "]."
		if s.Name == "" && s.Path == "" {
			return lineError(inv.name, rec.line, f+"name", "is empty: a software entry names the program (or its path)")
		}
		if err := inv.addSoftware(d, hiring.Software(s), rec.line, f+"name", f+"path"); err != nil {
			return err
		}
	}
	for i, u := range jd.USB {
		f := "usb[" + strconv.Itoa(i) + "]."
		ud, err := usbDevice(inv.name, rec.line, u.VendorID, u.ProductID, u.Manufacturer, u.Product, u.Serial, f+"vendor_id", f+"product_id")
		if err != nil {
			return err
		}
		d.USB = append(d.USB, ud)
	}
	d.Displays = append(d.Displays, jd.Displays...)
	return nil
}

// osqueryRow turns a row's values into text (osquery prints strings, or
// numbers for integer columns in newer versions).
func osqueryRow(name string, line int, keys map[string]json.RawMessage) (map[string]string, error) {
	row := make(map[string]string, len(keys))
	for k, v := range keys {
		s := jsonScalar(v)
		if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			return nil, lineError(name, line, k, "is %s: an osquery row's values are strings or numbers", jsonKind(v[0]))
		}
		row[k] = strings.TrimSpace(s)
	}
	return row, nil
}

// osqueryRow adds one osquery row; serial and host are the device a
// result log line names ("" to use the row's or the last system_info's).
func (inv *inventory) osqueryRow(line int, row map[string]string, serial, host string) error {
	v, hasSerialCol := row["hardware_serial"]
	switch {
	case placeholderSerial(v) && serial == "":
		return lineError(inv.name, line, "hardware_serial", placeholderMsg)
	case placeholderSerial(v):
		// The result line names its host.
	case v != "":
		serial = v
		if h := firstNonEmpty(row["hostname"], row["computer_name"]); h != "" {
			host = h
		}
	case hasSerialCol && serial == "":
		// The row says which device it is from, and it names none: not
		// the device of an earlier system_info result (a VM's rows
		// often come with an empty serial).
		return lineError(inv.name, line, "hardware_serial", "is empty: the row names no device; give the machine's serial "+
			"(or its hardware UUID) as hardware_serial")
	}
	isSystemInfo := hasSerialCol && (row["cpu_brand"] != "" || row["uuid"] != "" || row["computer_name"] != "") && row["name"] == "" && row["vendor_id"] == ""
	if isSystemInfo {
		if serial == "" {
			return lineError(inv.name, line, "hardware_serial", "is empty: the system_info row must name the device's serial")
		}
		inv.cur, inv.curHost = serial, host
	}
	if serial == "" {
		serial, host = inv.cur, firstNonEmpty(host, inv.curHost)
	}
	if serial == "" {
		return lineError(inv.name, line, "hardware_serial", "the osquery row names no device: select (SELECT hardware_serial FROM system_info) AS hardware_serial in the query, or put a SELECT * FROM system_info result first")
	}
	d := inv.device(serial, line)
	if err := inv.setOnce(d, &d.Hostname, host, line, "hostname"); err != nil {
		return err
	}
	if isSystemInfo {
		return nil
	}
	_, hasVID := row["vendor_id"]
	_, hasPID := row["model_id"]
	switch {
	case hasVID || hasPID:
		u, err := usbDevice(inv.name, line, row["vendor_id"], row["model_id"], row["vendor"], row["model"], row["serial"], "vendor_id", "model_id")
		if err != nil {
			return err
		}
		d.USB = append(d.USB, u)
	case row["name"] != "" || row["path"] != "":
		sw := hiring.Software{Name: row["name"], Version: firstNonEmpty(row["version"], row["bundle_short_version"], row["bundle_version"]),
			Publisher: firstNonEmpty(row["publisher"], row["maintainer"], row["vendor"]),
			Path:      firstNonEmpty(row["install_location"], row["path"])}
		if sw.Name == "" {
			sw.Name = row["bundle_name"]
		}
		if err := inv.addSoftware(d, sw, line, "name", "path"); err != nil {
			return err
		}
	default:
		return lineError(inv.name, line, "record", "is not an osquery row Bulwark recognises: expected %s", inventoryFormats)
	}
	return nil
}

// osquerydLine adds the rows of one osqueryd result log line.
func (inv *inventory) osquerydLine(rec jsonRecord, keys map[string]json.RawMessage) error {
	var l struct {
		HostIdentifier string                       `json:"hostIdentifier"`
		Action         string                       `json:"action"`
		Decorations    map[string]json.RawMessage   `json:"decorations"`
		Columns        map[string]json.RawMessage   `json:"columns"`
		Snapshot       []map[string]json.RawMessage `json:"snapshot"`
		// DiffResults is the batch format (--logger_event_type=false).
		DiffResults *struct {
			Added   []map[string]json.RawMessage `json:"added"`
			Removed []json.RawMessage            `json:"removed"`
		} `json:"diffResults"`
	}
	if err := unmarshalRecord(rec, inv.name, &l); err != nil {
		return err
	}
	if l.Action == "removed" {
		inv.removed++
		return nil
	}
	if l.Columns == nil && l.Snapshot == nil && l.DiffResults == nil {
		return lineError(inv.name, rec.line, "record", "has no columns, snapshot or diffResults: it is not an osqueryd result line Bulwark reads")
	}
	serial := strings.TrimSpace(jsonScalar(l.Decorations["hardware_serial"]))
	host := strings.TrimSpace(firstNonEmpty(jsonScalar(l.Decorations["hostname"]), l.HostIdentifier))
	if placeholderSerial(serial) {
		serial = "" // names no machine: the host identifier does
	}
	if serial == "" {
		serial = strings.TrimSpace(l.HostIdentifier)
	}
	if serial == "" && l.Columns["hardware_serial"] == nil {
		return lineError(inv.name, rec.line, "hostIdentifier", "is empty: an osqueryd result line names its host")
	}
	rows := l.Snapshot
	if l.Columns != nil {
		rows = append(rows, l.Columns)
	}
	if l.DiffResults != nil {
		rows = append(rows, l.DiffResults.Added...) // "removed" rows are skipped
		inv.removed += len(l.DiffResults.Removed)
	}
	for _, r := range rows {
		row, err := osqueryRow(inv.name, rec.line, r)
		if err != nil {
			return err
		}
		if err := inv.osqueryRow(rec.line, row, serial, host); err != nil {
			return err
		}
	}
	return nil
}
