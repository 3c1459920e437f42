package evidence

import (
	"io"
	"slices"

	"github.com/bulwark-sec/bulwark/hiring"
)

// ShipmentColumns are the columns of a shipping file.
var ShipmentColumns = []string{"device_serial", "person", "address", "shipped_at", "carrier"}

// shipmentAddressColumns are the other names carriers' and logistics
// exports give the destination: read as address (one of them at most).
var shipmentAddressColumns = []string{"destination", "ship_to", "ship_to_address", "shipping_address", "delivery_address", "recipient_address"}

// shipmentParcelColumns are the parcel's own fields in such exports:
// accepted and never read, so that a weight, a tracking number or a
// service level is never taken for part of the destination.
var shipmentParcelColumns = []string{"weight", "weight_kg", "weight_lb", "weight_lbs", "dimensions", "package_count",
	"tracking", "tracking_number", "service", "service_level", "cost", "shipping_cost", "status", "reference"}

// shipmentColumns are every column a shipping file may have.
var shipmentColumns = slices.Concat(ShipmentColumns, shipmentAddressColumns, shipmentParcelColumns)

// ReadShipments reads laptop shipping records from r, a file called name
// (for messages): CSV with a header row or JSON (lines or an array), as
// ReadPeople reads them, with the columns ShipmentColumns. person (the
// id or e-mail of whom it was shipped for) and address are required;
// shipped_at is an RFC 3339 time with its zone (2025-03-04T09:15:00Z,
// 2025-03-04T18:15:00+09:00) or a date (2025-03-04), read as midnight
// UTC. A time without a zone is an error saying to add Z or an offset.
//
// The destination is the address column alone, or one of the names
// carriers' exports give it (destination, ship_to, ship_to_address,
// shipping_address, delivery_address, recipient_address); a file giving
// two of them is refused. The parcel's own fields (weight, weight_kg,
// weight_lb, weight_lbs, dimensions, package_count, tracking,
// tracking_number, service, service_level, cost, shipping_cost, status,
// reference) are accepted and not read: nothing but the destination
// column is compared with the home address.
//
// As every reader here, it is all or nothing: any bad row refuses the
// file with an error naming the file, line and column.
func ReadShipments(r io.Reader, name string, lim Limits) ([]hiring.Shipment, error) {
	in, err := openInput(r, name, lim)
	if err != nil {
		return nil, err
	}
	var out collector[hiring.Shipment]
	err = in.readFixed(shipmentColumns, func(line int, v []string) error {
		s := hiring.Shipment{DeviceSerial: v[0], Person: v[1], Address: v[2], Carrier: v[4], Line: line}
		col := "address"
		for k, c := range shipmentAddressColumns {
			a := v[len(ShipmentColumns)+k]
			switch {
			case a == "":
			case s.Address != "":
				return in.errf(line, c, "a second destination besides %s: give the address the device was shipped to in one column", col)
			default:
				s.Address, col = a, c
			}
		}
		if s.Person == "" {
			return in.errf(line, "person", "missing: give the id or e-mail of the person the device was shipped for")
		}
		if s.Address == "" {
			return in.errf(line, "address", "missing: give the address the device was shipped to")
		}
		if v[3] != "" {
			t, err := parseStamp(v[3], true)
			if err != nil {
				return in.errf(line, "shipped_at", "%s", err.Error())
			}
			s.ShippedAt = t
		}
		out.add(s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.all(), nil
}
