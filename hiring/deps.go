package hiring

import (
	"context"
	"net/netip"
)

// NetworkClass is what reference data says of a network address.
type NetworkClass struct {
	// Kind is "vpn" (a commercial VPN or anonymising proxy), "hosting" (a
	// datacenter or cloud network, not a residential ISP) or "dprk"
	// (address space allocated to North Korea).
	Kind string `json:"kind"`
	// Name names the provider or network when known (e.g. "Astrill VPN",
	// "AS9009 M247").
	Name string `json:"name,omitempty"`
	// Source cites the reference data the classification comes from.
	Source string `json:"source"`
}

// NetworkIntel classifies network addresses by reference data. asn is the
// address's autonomous system number when the evidence gave one, else 0.
type NetworkIntel interface {
	Network(ip netip.Addr, asn uint32) (NetworkClass, bool)
}

// ToolMatch is a remote-access or IP-KVM product recognised in an
// endpoint inventory.
type ToolMatch struct {
	// Kind is "remote-access" (RMM, remote desktop, tunnelling tool),
	// "ip-kvm" (PiKVM, TinyPilot, JetKVM and similar hardware) or
	// "vpn-client" (VPN software such as Astrill VPN on the endpoint).
	Kind string `json:"kind"`
	// Product names the tool (e.g. "AnyDesk", "PiKVM").
	Product string `json:"product"`
	// Signal says what matched (e.g. `USB 1d6b:0104`, `process anydesk.exe`).
	Signal string `json:"signal"`
	// Source cites the reference data.
	Source string `json:"source"`
	// Confidence is "high" (the product's own name, file or fingerprint),
	// "medium" (a generic sign such as the Linux USB gadget id 1d6b:0104
	// alone, or a catalogue entry that is often a sanctioned IT tool) or
	// "low" (an operating system's own remote-desktop tool, an EDID name
	// real monitors share).
	Confidence string `json:"confidence,omitempty"`
}

// DeviceIntel recognises remote-access software and IP-KVM hardware.
type DeviceIntel interface {
	Software(s Software) (ToolMatch, bool)
	USB(u USBDevice) (ToolMatch, bool)
	Display(d DisplayInfo) (ToolMatch, bool)
}

// NameHit is a sanctions or attribution list match for a person's name,
// as the screening service decided it.
type NameHit struct {
	// Verdict is the screening decision's verdict (clear, review, block).
	Verdict string `json:"verdict"`
	// DecisionID is the screening decision's id, for the audit trail.
	DecisionID string `json:"decision_id,omitempty"`
	// Matches name the listed entities matched, best first, as
	// "NAME (LIST, score 0.97)".
	Matches []string `json:"matches,omitempty"`
}

// AddressHit is the screening service's decision on a crypto address.
type AddressHit struct {
	Verdict    string   `json:"verdict"`
	DecisionID string   `json:"decision_id,omitempty"`
	Matches    []string `json:"matches,omitempty"`
}

// Screener is the part of the screening service the hiring checks use:
// names and payroll crypto addresses are screened there, with the hiring
// use, and each screening is a recorded decision. subject is a
// fingerprint of the person, never an identifier.
type Screener interface {
	ScreenPersonName(ctx context.Context, subject, name, dob, country string) (NameHit, error)
	ScreenPayrollAddress(ctx context.Context, subject, chain, address string) (AddressHit, error)
}
