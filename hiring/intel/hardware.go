package intel

import (
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// genericGadget is the USB id every Linux USB-gadget IP-KVM presents by
// default: 1d6b (Linux Foundation) : 0104 (Multifunction Composite
// Gadget). Alone it says "a Linux computer poses as keyboard and mouse",
// not which product.
const genericGadget = "1d6b:0104"

// usbString is a USB manufacturer, product or serial string an IP-KVM
// presents by default.
type usbString struct {
	tool *tool
	// distinctive strings name the product (PiKVM, JetKVM USB Emulation
	// Device) and identify it whatever the USB id; the others (TinyPilot's
	// "Multifunction USB Device", PiKVM's serial CAFEBABE) only together
	// with a known IP-KVM USB id.
	distinctive bool
	field       string
}

// hardware indexes IP-KVM fingerprints.
type hardware struct {
	ids      map[string]*tool        // vendor:product → tool (generic or product)
	strs     map[string][]usbString  // folded string → products
	displays map[string]displayEntry // folded EDID monitor name or PNP id
}

type displayEntry struct {
	tool  *tool
	field string // "monitor name" or "manufacturer"
	// weak: the name is a common real monitor's too (JetKVM emulates a
	// Toshiba TV), so it is a low-confidence match.
	weak bool
}

func newHardware() *hardware {
	return &hardware{ids: map[string]*tool{}, strs: map[string][]usbString{}, displays: map[string]displayEntry{}}
}

func (h *hardware) addString(field, value string, t *tool) {
	k := fold(strings.TrimSpace(value))
	if k == "" {
		return
	}
	for _, s := range h.strs[k] {
		if s.tool.product == t.product {
			return
		}
	}
	distinctive := field != "serial" && strings.Contains(k, fold(t.product))
	h.strs[k] = append(h.strs[k], usbString{tool: t, distinctive: distinctive, field: field})
}

func (h *hardware) addDisplay(field, value string, t *tool, weak bool) {
	k := fold(strings.TrimSpace(value))
	if k == "" {
		return
	}
	if _, ok := h.displays[k]; !ok {
		h.displays[k] = displayEntry{tool: t, field: field, weak: weak}
	}
}

// usbID normalises a vendor or product id to four lower-case hex digits:
// "0x1D6B" → "1d6b", "104" → "0104". It returns "" for anything else.
func usbID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" || len(s) > 4 {
		return ""
	}
	var b [4]byte
	pad := 4 - len(s)
	for i := 0; i < 4; i++ {
		if i < pad {
			b[i] = '0'
			continue
		}
		c := s[i-pad]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return ""
		}
		b[i] = c
	}
	return string(b[:])
}

// usb recognises an IP-KVM by its USB id and strings.
func (h *hardware) usb(u hiring.USBDevice, allowed func(*tool) bool) (hiring.ToolMatch, bool) {
	id := ""
	if v, p := usbID(u.VendorID), usbID(u.ProductID); v != "" && p != "" {
		id = v + ":" + p
	}
	idTool := h.ids[id]
	for _, f := range [3]struct{ field, value string }{
		{"manufacturer", u.Manufacturer}, {"product", u.Product}, {"serial", u.Serial},
	} {
		k := fold(strings.TrimSpace(f.value))
		if k == "" {
			continue
		}
		for _, s := range h.strs[k] {
			if allowed(s.tool) || (!s.distinctive && idTool == nil) {
				continue
			}
			signal := "USB " + f.field + " " + strings.TrimSpace(f.value)
			if idTool != nil {
				signal = "USB " + id + " " + f.field + " " + strings.TrimSpace(f.value)
			}
			m := s.tool.match(signal)
			m.Confidence = ConfidenceHigh
			return m, true
		}
	}
	if idTool != nil && !allowed(idTool) {
		return idTool.match("USB " + id), true
	}
	return hiring.ToolMatch{}, false
}

// display recognises an IP-KVM by the EDID of the display it emulates.
func (h *hardware) display(d hiring.DisplayInfo, allowed func(*tool) bool) (hiring.ToolMatch, bool) {
	for _, v := range [2]string{d.Name, d.Manufacturer} {
		k := fold(strings.TrimSpace(v))
		if k == "" {
			continue
		}
		e, ok := h.displays[k]
		if !ok || allowed(e.tool) {
			continue
		}
		m := e.tool.match("EDID " + e.field + " " + strings.TrimSpace(v))
		if e.weak {
			m.Confidence = ConfidenceLow
		}
		return m, true
	}
	return hiring.ToolMatch{}, false
}
