package intel

import "net/netip"

// The facts Bulwark ships, each with its public source. They are written
// for Bulwark, not copied from a dataset; Load adds the catalogues.

const (
	srcDPRKSpace = "APNIC delegated-extended statistics: 175.45.176.0/22 allocated to KP (Star Joint Venture, AS131279)"
	srcITW13     = "indicator ID-13 (remote-access software on the corporate laptop): FBI PSA 2024, 2025; Microsoft Jasper Sleet 2025; Mandiant IR"
	srcITW14     = "indicator ID-14 (IP-KVM hardware): DOJ laptop-farm cases; GTIG"
	srcITW15     = "indicator ID-15 (Astrill VPN): Mandiant IR; Microsoft Jasper Sleet 2025"
	srcBuiltIn   = "operating-system remote-desktop tool; commonly sanctioned, low signal alone"
)

// builtinNetworks are the address ranges Bulwark knows without data.
var builtinNetworks = []struct {
	prefix netip.Prefix
	kind   string
	name   string
	source string
}{
	{netip.MustParsePrefix("175.45.176.0/22"), KindDPRK, "AS131279 Star Joint Venture (DPRK)", srcDPRKSpace},
}

// builtinTool is one product of the built-in table.
type builtinTool struct {
	product    string
	aliases    []string
	kind       string
	confidence string
	files      []string // process or file names
	names      []string // names in installed-programs lists
	paths      []string // path patterns ('*' any run of characters)
	source     string
}

var builtinTools = []builtinTool{
	{"AnyDesk", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"anydesk.exe", "anydesk"}, []string{"AnyDesk"},
		[]string{`*\AnyDesk\*`, `/Applications/AnyDesk.app`}, srcITW13 + "; process names per AnyDesk's documentation"},
	{"TeamViewer", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"teamviewer.exe", "teamviewer_service.exe", "tv_w32.exe", "tv_x64.exe", "teamviewerd"}, []string{"TeamViewer", "TeamViewer Host"},
		[]string{`*\TeamViewer\*`, `/Applications/TeamViewer.app`, `/opt/teamviewer/*`}, srcITW13},
	{"Chrome Remote Desktop", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"remoting_host.exe", "remote_assistance_host.exe", "remoting_start_host.exe", "chrome-remote-desktop-host"}, []string{"Chrome Remote Desktop Host"},
		[]string{`*\Google\Chrome Remote Desktop\*`, `/opt/google/chrome-remote-desktop/*`}, srcITW13},
	{"RustDesk", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"rustdesk.exe", "rustdesk"}, []string{"RustDesk"},
		[]string{`*\RustDesk\*`, `/Applications/RustDesk.app`}, srcITW13},
	{"ScreenConnect", []string{"ConnectWise Control", "ConnectWise ScreenConnect"}, KindRemoteAccess, ConfidenceHigh,
		[]string{"screenconnect.clientservice.exe", "screenconnect.windowsclient.exe"}, []string{"ScreenConnect Client", "ConnectWise Control"},
		[]string{`*\ScreenConnect Client (*`, `*\ScreenConnect Client\*`}, srcITW13},
	{"Splashtop", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"srservice.exe", "srmanager.exe", "strwinclt.exe"}, []string{"Splashtop Streamer", "Splashtop Business"},
		[]string{`*\Splashtop\*`}, srcITW13},
	{"TightVNC", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"tvnserver.exe"}, []string{"TightVNC"}, []string{`*\TightVNC\*`}, srcITW13},
	{"RealVNC", []string{"VNC Server", "VNC Connect"}, KindRemoteAccess, ConfidenceHigh,
		[]string{"vncserver.exe", "vncserverui.exe"}, []string{"RealVNC", "VNC Server"}, []string{`*\RealVNC\*`}, srcITW13},
	{"UltraVNC", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"winvnc.exe"}, []string{"UltraVNC"}, []string{`*\uvnc bvba\*`, `*\UltraVNC\*`}, srcITW13},
	{"NetSupport Manager", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"client32.exe", "pcicfgui.exe"}, []string{"NetSupport Manager", "NetSupport School"}, []string{`*\NetSupport\*`}, srcITW13},
	{"MeshAgent", []string{"MeshCentral"}, KindRemoteAccess, ConfidenceHigh,
		[]string{"meshagent.exe", "meshagent"}, []string{"Mesh Agent", "MeshAgent"}, []string{`*\Mesh Agent\*`}, srcITW13},
	{"ngrok", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"ngrok.exe", "ngrok"}, []string{"ngrok"}, nil, srcITW13 + "; reverse tunnel"},
	{"Atera", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"ateraagent.exe"}, []string{"AteraAgent", "Atera Agent"}, []string{`*\ATERA Networks\*`}, srcITW13},
	{"Parsec", nil, KindRemoteAccess, ConfidenceHigh,
		[]string{"parsecd.exe"}, []string{"Parsec"}, []string{`*\Parsec\*`, `/Applications/Parsec.app`}, srcITW13},
	{"Microsoft Remote Desktop Connection", []string{"Microsoft RDP", "mstsc.exe (Microsoft Remote Desktop Connection)"}, KindRemoteAccess, ConfidenceLow,
		[]string{"mstsc.exe"}, nil, nil, srcBuiltIn},
	{"Microsoft Quick Assist", nil, KindRemoteAccess, ConfidenceLow,
		[]string{"quickassist.exe"}, []string{"Quick Assist"}, nil, srcBuiltIn},
	{"Astrill VPN", []string{"Astrill"}, KindVPNClient, ConfidenceHigh,
		nil, []string{"Astrill", "Astrill VPN"}, []string{`*\Astrill\*`, `/Applications/Astrill.app`}, srcITW15},
}

// builtinPublishers are the publishers (code signers) of the built-in
// tools' binaries, by product: the name a renamed binary or an installer
// under another display name still carries. Each is compared squashed
// (squash: lower case, letters and digits only) and matches a publisher
// that equals it or starts with it ("TeamViewer Germany GmbH").
var builtinPublishers = map[string][]string{
	"AnyDesk":               {"philandro Software GmbH", "AnyDesk Software GmbH"},
	"TeamViewer":            {"TeamViewer Germany GmbH", "TeamViewer GmbH", "TeamViewer SE"},
	"RustDesk":              {"RustDesk", "Purslane Ltd"},
	"Splashtop":             {"Splashtop Inc"},
	"ScreenConnect":         {"ConnectWise", "ScreenConnect Software"},
	"TightVNC":              {"GlavSoft LLC"},
	"RealVNC":               {"RealVNC Ltd", "RealVNC Limited"},
	"UltraVNC":              {"uvnc bvba"},
	"NetSupport Manager":    {"NetSupport Ltd"},
	"Atera":                 {"Atera Networks"},
	"Parsec":                {"Parsec Cloud"},
	"Chrome Remote Desktop": nil, // signed by Google LLC, as Chrome is: no signal
	"Astrill VPN":           {"Astrill Systems"},
}

// builtinKVM is one IP-KVM product's default fingerprint.
type builtinKVM struct {
	product string
	ids     []string // vendor:product
	// manufacturer, product and serial strings of the USB gadget
	manufacturer, usbProduct, serial string
	edidNames                        []string
	weakEDID                         bool // the EDID name is a real monitor's too
	source                           string
}

const genericGadgetProduct = "Linux USB gadget (IP-KVM or HID emulator)"

var builtinKVMs = []builtinKVM{
	{"PiKVM", []string{genericGadget}, "PiKVM", "PiKVM Composite Device", "CAFEBABE",
		[]string{"PiKVM", "PiKVM V3", "PiKVM V4 Mini", "PiKVM V4 Plus"}, false,
		srcITW14 + "; defaults of github.com/pikvm/kvmd (kvmd/apps/_scheme.py, configs/kvmd/edid)"},
	{"TinyPilot", []string{genericGadget}, "tinypilot", "Multifunction USB Device", "6b65796d696d6570690",
		[]string{"TinyPilot"}, false,
		srcITW14 + "; defaults of github.com/tiny-pilot/tinypilot (init-usb-gadget, edid_pi4.hex)"},
	{"JetKVM", []string{genericGadget}, "JetKVM", "JetKVM USB Emulation Device", "",
		[]string{"T749-fHD720"}, true,
		srcITW14 + "; defaults of github.com/jetkvm/kvm (internal/usbgadget/config.go, default EDID)"},
}

// The generic gadget: USB 1d6b:0104 and the EDID manufacturer id LNX
// (Linux Foundation), shared by every product above and by DIY
// Raspberry Pi keyboard-and-mouse emulators.
var builtinGeneric = tool{
	product:    genericGadgetProduct,
	kind:       KindIPKVM,
	confidence: ConfidenceMedium,
	source:     srcITW14 + "; USB id 1d6b:0104 is the Linux Foundation Multifunction Composite Gadget, EDID PNP id LNX the Linux Foundation",
}
